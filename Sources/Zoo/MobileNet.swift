import CNN

extension ZooModel {
    /// MobileNet (v1), alpha 1.0, depth multiplier 1, as `keras.applications.MobileNet`
    /// builds it (keras/src/applications/mobilenet.py; tf_keras's copy has the same names):
    ///
    /// - `conv1` (3×3, stride 2, same, no bias), `conv1_bn`, `conv1_relu` (ReLU max 6);
    /// - 13 depthwise-separable blocks k = 1...13: for stride 2 (k = 2, 4, 6, 12)
    ///   `conv_pad_k` (ZeroPadding2D ((0, 1), (0, 1))) then a `valid` depthwise conv,
    ///   otherwise a `same` one: `conv_dw_k` (3×3, no bias), `conv_dw_k_bn`, `conv_dw_k_relu`,
    ///   `conv_pw_k` (1×1, no bias), `conv_pw_k_bn`, `conv_pw_k_relu`;
    ///   BatchNormalization with Keras's defaults (epsilon 1e-3, momentum 0.99);
    /// - with the top: `global_average_pooling2d` (keepdims, so (1, 1, 1024)), `dropout`
    ///   (rate 1e-3), `conv_preds` (1×1 Conv2D with bias to `classes`), `reshape_2`
    ///   (to (classes)), `predictions` (Activation softmax).
    /// - without the top: `global_average_pooling2d` (no keepdims, (1024)), what Keras's
    ///   `pooling="avg"` adds, and the graph's output.
    ///
    /// The feature node is `global_average_pooling2d`: 1024 values per image, shaped
    /// (1, 1, 1024) with the top (Keras's keepdims pooling) and (1024) without.
    /// Preprocessing `tf` (x / 127.5 − 1). Blocks: `conv1`, then `conv_dw_k/conv_pw_k`
    /// for k = 1...13 (each with its padding); the head (pooling, dropout, conv_preds,
    /// reshape, softmax) belongs to no block.
    public static func mobileNet(_ options: ZooOptions = ZooOptions()) throws -> ZooModel {
        let (height, width) = try resolvedInputSize(options, architecture: .mobilenet, minimum: 32)
        let b = MobileNetworkBuilder(inputShape: [height, width, 3])

        b.beginBlock("conv1")
        try b.conv("conv1", filters: 32, kernel: 3, strides: 2, padding: .same, useBias: false)
        try b.batchNorm("conv1_bn")
        try b.relu6("conv1_relu")
        b.endBlock()

        // (pointwise filters, stride) for blocks 1...13.
        let specs: [(Int, Int)] = [
            (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
            (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
        ]
        for (index, (filters, stride)) in specs.enumerated() {
            let k = index + 1
            b.beginBlock("conv_dw_\(k)/conv_pw_\(k)")
            if stride != 1 {
                try b.zeroPadding("conv_pad_\(k)", top: 0, bottom: 1, left: 0, right: 1)
            }
            try b.depthwise("conv_dw_\(k)", kernel: 3, strides: stride, padding: stride == 1 ? .same : .valid)
            try b.batchNorm("conv_dw_\(k)_bn")
            try b.relu6("conv_dw_\(k)_relu")
            try b.conv("conv_pw_\(k)", filters: filters, kernel: 1, padding: .same, useBias: false)
            try b.batchNorm("conv_pw_\(k)_bn")
            try b.relu6("conv_pw_\(k)_relu")
            b.endBlock()
        }

        let features: Int
        if options.includeTop {
            features = try b.globalAveragePooling("global_average_pooling2d", keepdims: true)
            try b.dropout("dropout", rate: 1e-3)
            try b.conv("conv_preds", filters: options.classes, kernel: 1, padding: .same, useBias: true)
            try b.add(Reshape(name: "reshape_2", targetShape: [options.classes]))
            try b.activation("predictions", .softmax)
        } else {
            features = try b.globalAveragePooling("global_average_pooling2d")
        }
        return b.model(.mobilenet, preprocessing: .tf, featureNode: features)
    }
}
