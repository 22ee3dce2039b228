extension Architecture {
    /// Tells the architecture of a weights-only file from its layer names (those with
    /// weights, as stored in `layer_names`), and whether it includes the ImageNet classifier.
    /// Deeper variants are checked before shallower ones that share their names.
    public static func detect(layerNames: [String]) -> (architecture: Architecture, includeTop: Bool)? {
        let names = Set(layerNames)
        func has(_ name: String) -> Bool { names.contains(name) }
        let rules: [(Architecture, [String], [String])] = [
            (.efficientnetB0, ["block7a_se_reduce", "block1a_dwconv"], ["predictions"]),
            (.efficientnetLite0, ["block7a_project_conv", "block1a_dwconv"], ["predictions"]),
            (.mobilenetV2, ["block_16_project", "Conv1"], ["predictions", "Logits"]),
            (.mobilenet, ["conv_pw_13", "conv_dw_1"], ["conv_preds"]),
            (.densenet121, ["conv5_block16_2_conv", "conv4_block24_2_conv"], ["predictions", "fc1000"]),
            (.resnet152, ["conv4_block36_3_conv", "conv5_block3_3_conv"], ["predictions"]),
            (.resnet101, ["conv4_block23_3_conv", "conv5_block3_3_conv"], ["predictions"]),
            (.resnet50, ["conv5_block3_3_conv", "conv1_conv"], ["predictions"]),
            (.resnet50Legacy, ["res2a_branch2a", "res5c_branch2c"], ["fc1000"]),
            (.vgg19, ["block5_conv4", "block1_conv1"], ["predictions", "fc1"]),
            (.vgg16, ["block5_conv3", "block1_conv1"], ["predictions", "fc1"]),
        ]
        for (architecture, required, top) in rules where required.allSatisfy(has) {
            // DenseNet121 stops at 16 blocks in its last stage; deeper DenseNets are not in the zoo.
            if architecture == .densenet121 && (has("conv5_block17_2_conv") || has("conv4_block25_2_conv")) { continue }
            if architecture == .efficientnetLite0 && has("block7a_se_reduce") { continue }
            return (architecture, top.contains(where: has))
        }
        return nil
    }
}
