/// Telling VGG, ResNet and DenseNet weight files apart by the names of their layers
/// with weights (`KerasFile.storedLayers()`, the `layer_names` of a weights-only file).
///
/// | architecture      | all of                                                    | none of                                   |
/// |-------------------|-----------------------------------------------------------|-------------------------------------------|
/// | resnet50-legacy   | `conv1`, `bn_conv1`, `res2a_branch2a`, `res5c_branch2c`   | `res4g_branch2a` (a deeper legacy ResNet) |
/// | resnet50          | `conv1_conv`, `conv4_block6_1_conv`, `conv5_block3_3_conv` | `conv4_block7_1_conv`, `post_bn`          |
/// | resnet101         | … `conv3_block4_1_conv`, `conv4_block23_1_conv`, `conv5_block3_3_conv` | `conv3_block5_1_conv`, `conv4_block24_1_conv`, `post_bn` |
/// | resnet152         | … `conv3_block8_1_conv`, `conv4_block36_1_conv`, `conv5_block3_3_conv` | `conv3_block9_1_conv`, `conv4_block37_1_conv`, `post_bn` |
/// | vgg16             | `block1_conv1`, `block5_conv3`                            | `block5_conv4`, `block1_conv1_bn`         |
/// | vgg19             | `block1_conv1`, `block5_conv4`                            | `block1_conv1_bn`                         |
/// | densenet121       | `conv1/conv`, `conv4_block24_2_conv`, `conv5_block16_2_conv` | `conv4_block25_2_conv`, `conv5_block17_2_conv` |
///
/// (`post_bn` marks ResNetV2, `block1_conv1_bn` Xception, deeper blocks DenseNet169/201.)
/// The top (`include_top=True`) is there when the classifier is: `predictions` (with
/// `fc1` and `fc2` for VGG), or `fc1000` for the legacy ResNet50.
extension Architecture {
    public static func detectClassic<Names: Sequence>(layerNames: Names) -> (architecture: Architecture, includeTop: Bool)?
    where Names.Element == String {
        let names = Set(layerNames)
        func all(_ required: String...) -> Bool { required.allSatisfy(names.contains) }
        func none(_ excluded: String...) -> Bool { !excluded.contains(where: names.contains) }

        if all("conv1", "bn_conv1", "res2a_branch2a", "res2a_branch1", "res5c_branch2c"), none("res4g_branch2a") {
            return (.resnet50Legacy, names.contains("fc1000"))
        }
        if all("conv1_conv", "conv1_bn", "conv2_block3_3_conv", "conv5_block3_3_conv"), none("post_bn", "conv5_block4_1_conv") {
            let top = names.contains("predictions")
            if all("conv3_block8_1_conv", "conv4_block36_1_conv"), none("conv3_block9_1_conv", "conv4_block37_1_conv") {
                return (.resnet152, top)
            }
            if all("conv3_block4_1_conv", "conv4_block23_1_conv"), none("conv3_block5_1_conv", "conv4_block24_1_conv") {
                return (.resnet101, top)
            }
            if all("conv3_block4_1_conv", "conv4_block6_1_conv"), none("conv3_block5_1_conv", "conv4_block7_1_conv") {
                return (.resnet50, top)
            }
            return nil
        }
        if all("block1_conv1", "block1_conv2", "block5_conv3"), none("block1_conv1_bn") {
            let top = all("fc1", "fc2", "predictions")
            return names.contains("block5_conv4") ? (.vgg19, top) : (.vgg16, top)
        }
        if all("conv1/conv", "conv1/bn", "conv4_block24_2_conv", "conv5_block16_2_conv", "bn"),
           none("conv4_block25_2_conv", "conv5_block17_2_conv") {
            return (.densenet121, names.contains("predictions"))
        }
        return nil
    }
}
