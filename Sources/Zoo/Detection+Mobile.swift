/// Telling MobileNet, MobileNetV2, EfficientNetB0 and EfficientNet-Lite0 weight files apart
/// by the names of their layers with weights (`KerasFile.storedLayers()`, the `layer_names`
/// of a weights-only file, or the layers with weights of a full-model file).
///
/// | architecture       | all of                                                                 | none of |
/// |--------------------|------------------------------------------------------------------------|---------|
/// | mobilenet          | `conv1`, `conv1_bn`, `conv_dw_1`, `conv_pw_1`, `conv_dw_13`, `conv_pw_13`  | `conv_dw_14` |
/// | mobilenetv2        | `Conv1`, `bn_Conv1`, `expanded_conv_depthwise`, `block_16_project`, `Conv_1` | `block_17_project` |
/// | efficientnetb0     | `stem_conv`, `block1a_dwconv`, `block6d_dwconv`, `block7a_se_reduce`, `top_conv` | a deeper variant's blocks (†) |
/// | efficientnet-lite0 | `stem_conv`, `block1a_dwconv`, `block6d_dwconv`, `block7a_project_conv`, `top_conv` | `block1a_se_reduce`, `block7a_se_reduce`, (†) |
///
/// (†) `block1b_dwconv`, `block2c_dwconv`, `block3c_dwconv`, `block4d_dwconv`,
/// `block5d_dwconv`, `block6e_dwconv`, `block7b_dwconv`: B1...B7 and Lite1...Lite4 repeat
/// blocks more often than B0/Lite0 (B0: 1, 2, 2, 3, 3, 4, 1 per stage).
/// MobileNet's `conv1` is also ResNet50-legacy's first layer: `conv_dw_1` tells them apart.
///
/// The top (`include_top=True`) is there when the classifier is: `conv_preds` for MobileNet,
/// `predictions` for the others (or `Logits`, MobileNetV2's classifier in the first
/// keras-applications releases, see `mobileLayerNameAliases`).
/// Width multipliers other than 1 (MobileNet alpha 0.25...0.75, MobileNetV2 0.35...1.4)
/// share these names: they are told apart by shapes, which weight loading checks.
extension Architecture {
    public static func detectMobile<Names: Sequence>(layerNames: Names) -> (architecture: Architecture, includeTop: Bool)?
    where Names.Element == String {
        let names = Set(layerNames)
        func all(_ required: String...) -> Bool { required.allSatisfy(names.contains) }
        func none(_ excluded: String...) -> Bool { !excluded.contains(where: names.contains) }
        let deeperEfficientNet = ["block1b_dwconv", "block2c_dwconv", "block3c_dwconv", "block4d_dwconv",
                                  "block5d_dwconv", "block6e_dwconv", "block7b_dwconv"]

        if all("conv1", "conv1_bn", "conv_dw_1", "conv_pw_1", "conv_dw_13", "conv_pw_13"), none("conv_dw_14") {
            return (.mobilenet, names.contains("conv_preds"))
        }
        if all("Conv1", "bn_Conv1", "expanded_conv_depthwise", "block_16_project", "Conv_1"), none("block_17_project") {
            return (.mobilenetV2, names.contains("predictions") || names.contains("Logits"))
        }
        if all("stem_conv", "block1a_dwconv", "block6d_dwconv", "top_conv"),
           !deeperEfficientNet.contains(where: names.contains) {
            if all("block1a_se_reduce", "block7a_se_reduce") {
                return (.efficientnetB0, names.contains("predictions"))
            }
            if all("block7a_project_conv"), none("block1a_se_reduce", "block7a_se_reduce") {
                return (.efficientnetLite0, names.contains("predictions"))
            }
        }
        return nil
    }

    /// Stored layer names that older `keras.applications` files use for a layer this zoo
    /// names differently, as (file name → zoo name); apply before loading by name.
    /// MobileNetV2's classifier was `Logits` in keras-applications ≤ 1.0.8, whose
    /// `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_*.h5` files (with the top) may keep it.
    public var mobileLayerNameAliases: [String: String] {
        switch self {
        case .mobilenetV2: return ["Logits": "predictions"]
        default: return [:]
        }
    }
}
