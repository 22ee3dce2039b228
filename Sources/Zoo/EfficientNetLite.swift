import CNN

extension ZooModel {
    /// EfficientNet-Lite0 exactly as models/convert_efficientnet_lite0.py lays it out, so
    /// models/efficientnet_lite0.h5 (the default model) loads onto it by name:
    ///
    /// - `rescaling` ((x − 127)/128 as scale 1/128, offset −127/128);
    /// - `stem_conv` (3×3, stride 2, **same**, no bias), `stem_bn`, `stem_activation` (ReLU max 6);
    /// - 16 MBConv blocks `block1a` ... `block7a` with EfficientNet-B0's stage table but no
    ///   squeeze-excitation, ReLU6 activations and `same` padding everywhere (no `dwconv_pad`):
    ///   `expand_conv`/`expand_bn`/`expand_activation` (expand ratio ≠ 1), `dwconv`, `bn`,
    ///   `activation`, `project_conv`, `project_bn`, and `add` for blocks that keep their
    ///   shape (the converter leaves out drop-connect, which is training-only);
    /// - `top_conv` (1×1 to 1280), `top_bn`, `top_activation` (ReLU6), `avg_pool`, and with
    ///   the top `top_dropout` (0.2) and `predictions` (Dense with softmax: engine layers
    ///   `predictions` + `predictions_activation`).
    ///
    /// BatchNormalization epsilon 1e-3, momentum 0.99. The feature node is `avg_pool`
    /// (1280; without the top it is also the output). Preprocessing `none`: the rescaling
    /// is in the graph, which takes RGB in [0, 255]. Blocks: `stem` (rescaling to
    /// stem_activation), `block1a` ... `block7a`; `top_conv` onwards is the head.
    public static func efficientNetLite0(_ options: ZooOptions = ZooOptions()) throws -> ZooModel {
        let (height, width) = try resolvedInputSize(options, architecture: .efficientnetLite0, minimum: 32)
        let b = MobileNetworkBuilder(inputShape: [height, width, 3])

        b.beginBlock("stem")
        try b.add(Rescaling(name: "rescaling", scale: 1.0 / 128.0, offset: -127.0 / 128.0))
        try b.conv("stem_conv", filters: 32, kernel: 3, strides: 2, padding: .same, useBias: false)
        try b.batchNorm("stem_bn")
        try b.relu6("stem_activation")
        b.endBlock()

        for block in efficientNetBlocks(efficientNetB0Stages) {
            let p = block.prefix
            let blockInput = b.current
            b.beginBlock(String(p.dropLast()))
            if block.expandRatio != 1 {
                try b.conv("\(p)expand_conv", filters: block.filtersIn * block.expandRatio, kernel: 1,
                           padding: .same, useBias: false)
                try b.batchNorm("\(p)expand_bn")
                try b.relu6("\(p)expand_activation")
            }
            try b.depthwise("\(p)dwconv", kernel: block.kernel, strides: block.stride, padding: .same)
            try b.batchNorm("\(p)bn")
            try b.relu6("\(p)activation")
            try b.conv("\(p)project_conv", filters: block.filtersOut, kernel: 1, padding: .same, useBias: false)
            try b.batchNorm("\(p)project_bn")
            if block.stride == 1 && block.filtersIn == block.filtersOut {
                try b.add(Add(name: "\(p)add"), inputs: [b.current, blockInput])
            }
            b.endBlock()
        }

        try b.conv("top_conv", filters: 1280, kernel: 1, padding: .same, useBias: false)
        try b.batchNorm("top_bn")
        try b.relu6("top_activation")
        let features = try b.globalAveragePooling("avg_pool")
        if options.includeTop {
            try b.dropout("top_dropout", rate: 0.2)
            try b.dense("predictions", units: options.classes, activation: .softmax)
        }
        return b.model(.efficientnetLite0, preprocessing: .none, featureNode: features)
    }
}
