import CNN

/// One stage of EfficientNet-B0 (keras/src/applications/efficientnet.py `DEFAULT_BLOCKS_ARGS`,
/// the same table as EfficientNet-Lite0's): `repeats` blocks, the first with `stride`.
struct EfficientNetStage {
    let kernel: Int
    let repeats: Int
    let filtersIn: Int
    let filtersOut: Int
    let expandRatio: Int
    let stride: Int
}

let efficientNetB0Stages: [EfficientNetStage] = [
    EfficientNetStage(kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, stride: 1),
    EfficientNetStage(kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, stride: 2),
    EfficientNetStage(kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, stride: 2),
    EfficientNetStage(kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, stride: 2),
    EfficientNetStage(kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, stride: 1),
    EfficientNetStage(kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, stride: 2),
    EfficientNetStage(kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, stride: 1),
]

/// Every block of the stages, in order: (Keras name prefix such as `block2b_`, kernel,
/// stride, input filters, output filters, expand ratio).
func efficientNetBlocks(_ stages: [EfficientNetStage])
    -> [(prefix: String, kernel: Int, stride: Int, filtersIn: Int, filtersOut: Int, expandRatio: Int)] {
    var result = [(prefix: String, kernel: Int, stride: Int, filtersIn: Int, filtersOut: Int, expandRatio: Int)]()
    for (i, stage) in stages.enumerated() {
        for j in 0..<stage.repeats {
            let letter = Character(UnicodeScalar(UInt8(97 + j)))
            result.append((prefix: "block\(i + 1)\(letter)_", kernel: stage.kernel, stride: j == 0 ? stage.stride : 1,
                           filtersIn: j == 0 ? stage.filtersIn : stage.filtersOut, filtersOut: stage.filtersOut,
                           expandRatio: stage.expandRatio))
        }
    }
    return result
}

/// The ImageNet standard deviations per RGB channel (`IMAGENET_STDDEV_RGB`).
let imagenetStandardDeviations: [Float] = [0.229, 0.224, 0.225]

extension ZooModel {
    /// EfficientNetB0 as `keras.applications.EfficientNetB0(weights="imagenet")` builds it
    /// (keras/src/applications/efficientnet.py; tf_keras's copy has the same names):
    ///
    /// - `rescaling` (1/255), `normalization` (Keras `Normalization`, weights mean, variance,
    ///   count), then `rescaling_1`: the per-channel multiplication by 1/√std that Keras adds
    ///   only for `weights="imagenet"`. The official files store the ImageNet standard
    ///   deviations (0.229, 0.224, 0.225) as the Normalization "variance", so Normalization
    ///   divides by √std; the extra layer divides by √std again, making (x/255 − mean)/std
    ///   (tensorflow/tensorflow#49930). Keras 3 makes it a `Rescaling` with a per-channel
    ///   scale (auto-named `rescaling_1`), tf_keras a `tf.math.multiply` op layer; here it is
    ///   a weightless engine `Normalization` with mean 0 and variance = std, which computes
    ///   exactly x/√std and is a valid Keras `Normalization` config when saved. A model built
    ///   by Keras with `weights=None` lacks this layer, and files saved from one do not match.
    /// - `stem_conv_pad` (ZeroPadding2D, `correct_pad`), `stem_conv` (3×3, stride 2, valid, no
    ///   bias), `stem_bn`, `stem_activation` (swish);
    /// - 16 MBConv blocks `block1a` ... `block7a`: `expand_conv`/`expand_bn`/`expand_activation`
    ///   (when the expand ratio is not 1), `dwconv_pad` + `valid` depthwise for stride 2
    ///   (else `same`), `dwconv`, `bn`, `activation`, squeeze-excitation `se_squeeze` (global
    ///   average pooling), `se_reshape` (1, 1, C), `se_reduce` (1×1 conv with bias, swish: engine
    ///   layers `se_reduce` + `se_reduce_activation`), `se_expand` (1×1 conv with bias, sigmoid:
    ///   `se_expand` + `se_expand_activation`), `se_excite` (Multiply, broadcasting), then
    ///   `project_conv`, `project_bn`, and for blocks that keep their shape `drop` (Dropout
    ///   with noise shape (N, 1, 1, 1), rate 0.2·b/16 for the b-th block, identity at
    ///   inference) and `add`. BatchNormalization: Keras defaults, epsilon 1e-3, momentum 0.99.
    /// - `top_conv` (1×1 to 1280, no bias), `top_bn`, `top_activation` (swish);
    /// - `avg_pool` (GlobalAveragePooling2D; also added without the top, as `pooling="avg"`
    ///   names it), then with the top `top_dropout` (0.2) and `predictions` (Dense with
    ///   softmax: engine layers `predictions` + `predictions_activation`).
    ///
    /// The feature node is `avg_pool` (1280). Preprocessing `none`: the graph takes RGB in
    /// [0, 255]. Blocks: `stem` (everything up to `stem_activation`), then `block1a` ...
    /// `block7a`; `top_conv` onwards is the head.
    public static func efficientNetB0(_ options: ZooOptions = ZooOptions()) throws -> ZooModel {
        let (height, width) = try resolvedInputSize(options, architecture: .efficientnetB0, minimum: 32)
        let b = MobileNetworkBuilder(inputShape: [height, width, 3])

        b.beginBlock("stem")
        try b.add(Rescaling(name: "rescaling", scale: 1.0 / 255.0))
        try b.add(Normalization(name: "normalization", channels: 3))
        try b.add(Normalization(name: "rescaling_1", mean: [0, 0, 0], variance: imagenetStandardDeviations,
                                storesStatistics: false))
        var pad = b.correctPad(kernel: 3)
        try b.zeroPadding("stem_conv_pad", top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right)
        try b.conv("stem_conv", filters: 32, kernel: 3, strides: 2, padding: .valid, useBias: false)
        try b.batchNorm("stem_bn")
        try b.activation("stem_activation", .swish)
        b.endBlock()

        let blocks = efficientNetBlocks(efficientNetB0Stages)
        let dropConnectRate: Float = 0.2
        for (index, block) in blocks.enumerated() {
            let p = block.prefix
            let blockInput = b.current
            let dropRate = dropConnectRate * Float(index) / Float(blocks.count)
            b.beginBlock(String(p.dropLast()))
            let filters = block.filtersIn * block.expandRatio
            if block.expandRatio != 1 {
                try b.conv("\(p)expand_conv", filters: filters, kernel: 1, padding: .same, useBias: false)
                try b.batchNorm("\(p)expand_bn")
                try b.activation("\(p)expand_activation", .swish)
            }
            if block.stride == 2 {
                pad = b.correctPad(kernel: block.kernel)
                try b.zeroPadding("\(p)dwconv_pad", top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right)
            }
            try b.depthwise("\(p)dwconv", kernel: block.kernel, strides: block.stride,
                            padding: block.stride == 2 ? .valid : .same)
            try b.batchNorm("\(p)bn")
            let activated = try b.activation("\(p)activation", .swish)

            // Squeeze and excitation, se_ratio 0.25 of the block's input filters.
            let filtersSE = max(1, Int(Float(block.filtersIn) * 0.25))
            try b.globalAveragePooling("\(p)se_squeeze")
            try b.add(Reshape(name: "\(p)se_reshape", targetShape: [1, 1, filters]))
            try b.conv("\(p)se_reduce", filters: filtersSE, kernel: 1, padding: .same, useBias: true, activation: .swish)
            let gate = try b.conv("\(p)se_expand", filters: filters, kernel: 1, padding: .same, useBias: true,
                                  activation: .sigmoid)
            try b.add(Multiply(name: "\(p)se_excite"), inputs: [activated, gate])

            try b.conv("\(p)project_conv", filters: block.filtersOut, kernel: 1, padding: .same, useBias: false)
            try b.batchNorm("\(p)project_bn")
            if block.stride == 1 && block.filtersIn == block.filtersOut {
                if dropRate > 0 {
                    try b.dropout("\(p)drop", rate: dropRate, noiseShape: [nil, 1, 1, 1])
                }
                // Keras: layers.add([x, inputs]).
                try b.add(Add(name: "\(p)add"), inputs: [b.current, blockInput])
            }
            b.endBlock()
        }

        try b.conv("top_conv", filters: 1280, kernel: 1, padding: .same, useBias: false)
        try b.batchNorm("top_bn")
        try b.activation("top_activation", .swish)
        let features = try b.globalAveragePooling("avg_pool")
        if options.includeTop {
            try b.dropout("top_dropout", rate: 0.2)
            try b.dense("predictions", units: options.classes, activation: .softmax)
        }
        return b.model(.efficientnetB0, preprocessing: .none, featureNode: features)
    }
}
