import CNN

extension ZooModel {
    /// MobileNetV2, alpha 1.0, as `keras.applications.MobileNetV2` builds it
    /// (keras/src/applications/mobilenet_v2.py; tf_keras's copy has the same names):
    ///
    /// - `Conv1` (3×3, stride 2, same, no bias), `bn_Conv1`, `Conv1_relu` (ReLU max 6);
    /// - 17 inverted residual blocks. Block 0 is `expanded_conv_*` (expansion 1, no expand
    ///   conv); blocks 1...16 are `block_k_*` with `block_k_expand` (1×1), `_expand_BN`,
    ///   `_expand_relu`. Then, for stride 2, `<prefix>pad` (ZeroPadding2D with
    ///   `imagenet_utils.correct_pad`) and a `valid` depthwise conv, otherwise a `same` one:
    ///   `<prefix>depthwise` (3×3, no bias), `_depthwise_BN`, `_depthwise_relu`,
    ///   `<prefix>project` (1×1, no bias), `_project_BN`, and `<prefix>add` when the block
    ///   keeps its shape. Every BatchNormalization has epsilon 1e-3 and momentum 0.999.
    /// - `Conv_1` (1×1 to 1280, no bias), `Conv_1_bn`, `out_relu`;
    /// - `global_average_pooling2d` (Keras's auto-name with the top and with `pooling="avg"`),
    ///   then with the top `predictions` (Dense with softmax; the softmax is the engine layer
    ///   `predictions_activation`).
    ///
    /// The feature node is `global_average_pooling2d` (1280). Preprocessing `tf`.
    /// Blocks: `stem` (Conv1, bn_Conv1, Conv1_relu), `expanded_conv`, `block_1` ... `block_16`;
    /// `Conv_1`, `Conv_1_bn`, `out_relu` and the classifier are the head.
    ///
    /// The first keras-applications versions named the classifier `Logits` rather than
    /// `predictions`: see `MobileDetection.layerNameAliases`.
    public static func mobileNetV2(_ options: ZooOptions = ZooOptions()) throws -> ZooModel {
        let (height, width) = try resolvedInputSize(options, architecture: .mobilenetV2, minimum: 32)
        let b = MobileNetworkBuilder(inputShape: [height, width, 3])
        let epsilon: Float = 1e-3, momentum: Float = 0.999

        b.beginBlock("stem")
        try b.conv("Conv1", filters: 32, kernel: 3, strides: 2, padding: .same, useBias: false)
        try b.batchNorm("bn_Conv1", epsilon: epsilon, momentum: momentum)
        try b.relu6("Conv1_relu")
        b.endBlock()

        // (filters, stride, expansion) for blocks 0...16.
        let specs: [(Int, Int, Int)] = [
            (16, 1, 1),
            (24, 2, 6), (24, 1, 6),
            (32, 2, 6), (32, 1, 6), (32, 1, 6),
            (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
            (96, 1, 6), (96, 1, 6), (96, 1, 6),
            (160, 2, 6), (160, 1, 6), (160, 1, 6),
            (320, 1, 6),
        ]
        for (blockID, (filters, stride, expansion)) in specs.enumerated() {
            let blockInput = b.current
            let inChannels = b.channels
            let prefix = blockID == 0 ? "expanded_conv_" : "block_\(blockID)_"
            b.beginBlock(blockID == 0 ? "expanded_conv" : "block_\(blockID)")
            if blockID != 0 {
                try b.conv("\(prefix)expand", filters: expansion * inChannels, kernel: 1, padding: .same, useBias: false)
                try b.batchNorm("\(prefix)expand_BN", epsilon: epsilon, momentum: momentum)
                try b.relu6("\(prefix)expand_relu")
            }
            if stride == 2 {
                let pad = b.correctPad(kernel: 3)
                try b.zeroPadding("\(prefix)pad", top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right)
            }
            try b.depthwise("\(prefix)depthwise", kernel: 3, strides: stride, padding: stride == 1 ? .same : .valid)
            try b.batchNorm("\(prefix)depthwise_BN", epsilon: epsilon, momentum: momentum)
            try b.relu6("\(prefix)depthwise_relu")
            // alpha 1: _make_divisible(filters, 8) == filters for every entry above.
            try b.conv("\(prefix)project", filters: filters, kernel: 1, padding: .same, useBias: false)
            try b.batchNorm("\(prefix)project_BN", epsilon: epsilon, momentum: momentum)
            if inChannels == filters && stride == 1 {
                // Keras: layers.Add()([inputs, x]).
                try b.add(Add(name: "\(prefix)add"), inputs: [blockInput, b.current])
            }
            b.endBlock()
        }

        try b.conv("Conv_1", filters: 1280, kernel: 1, padding: .valid, useBias: false)
        try b.batchNorm("Conv_1_bn", epsilon: epsilon, momentum: momentum)
        try b.relu6("out_relu")
        let features = try b.globalAveragePooling("global_average_pooling2d")
        if options.includeTop {
            try b.dense("predictions", units: options.classes, activation: .softmax)
        }
        return b.model(.mobilenetV2, preprocessing: .tf, featureNode: features)
    }
}
