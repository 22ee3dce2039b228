import CNN

/// DenseNet121 as `keras.applications.densenet` builds it (Huang et al. 2017), with its
/// names, which contain '/' in the stem: `zero_padding2d`, `conv1/conv` (7×7 stride 2, no
/// bias), `conv1/bn`, `conv1/relu`, `zero_padding2d_1`, `pool1`; dense blocks of conv blocks
/// `conv{2-5}_block{i}_{0_bn, 0_relu, 1_conv, 1_bn, 1_relu, 2_conv, concat}` (growth 32,
/// bottleneck 128, convolutions without bias); transitions `pool{2-4}_{bn, relu, conv, pool}`
/// halving the channels; then `bn`, `relu`, and with the top `avg_pool` + `predictions`
/// (softmax). Every BatchNormalization has epsilon 1.001e-5. The two unnamed Keras
/// `ZeroPadding2D` layers get tf_keras's names in a fresh session. Preprocessing `torch`.
///
/// - Blocks: `conv1` (the stem, through `pool1`), then each conv block (`conv2_block1` …
///   `conv2_block6`) and each transition (`pool2`, …, `pool4`); the final `bn` and `relu`
///   belong to the last block (`conv5_block16`), so the feature vector depends on no head layer.
/// - Feature node: `avg_pool` (1024 values); without the top it is added anyway and is the output.
func buildDenseNet(_ architecture: Architecture, options: ZooOptions) throws -> ZooModel {
    let convBlocks: [Int]
    switch architecture {
    case .densenet121: convBlocks = [6, 12, 24, 16]
    default: throw EngineError.invalidConfiguration(layer: architecture.rawValue, reason: "not a DenseNet")
    }
    let epsilon: Float = 1.001e-5
    let growthRate = 32
    let builder = ZooGraphBuilder(inputShape: try options.inputShape(for: architecture))

    try builder.zeroPadding("zero_padding2d", 3)
    try builder.conv("conv1/conv", filters: 64, kernel: 7, strides: 2, useBias: false)
    try builder.batchNorm("conv1/bn", epsilon: epsilon)
    try builder.activation("conv1/relu", .relu)
    try builder.zeroPadding("zero_padding2d_1", 1)
    try builder.maxPool("pool1", size: 3, strides: 2)
    builder.endBlock("conv1")

    for (stage, count) in convBlocks.enumerated() {
        for index in 1...count {
            let name = "conv\(stage + 2)_block\(index)"
            let input = builder.last
            try builder.batchNorm("\(name)_0_bn", epsilon: epsilon)
            try builder.activation("\(name)_0_relu", .relu)
            try builder.conv("\(name)_1_conv", filters: 4 * growthRate, kernel: 1, useBias: false)
            try builder.batchNorm("\(name)_1_bn", epsilon: epsilon)
            try builder.activation("\(name)_1_relu", .relu)
            let grown = try builder.conv("\(name)_2_conv", filters: growthRate, kernel: 3, padding: .same, useBias: false)
            try builder.add(Concatenate(name: "\(name)_concat", axis: -1), inputs: [input, grown])
            if stage == convBlocks.count - 1 && index == count {
                try builder.batchNorm("bn", epsilon: epsilon)
                try builder.activation("relu", .relu)
            }
            builder.endBlock(name)
        }
        if stage < convBlocks.count - 1 {
            let name = "pool\(stage + 2)"
            try builder.batchNorm("\(name)_bn", epsilon: epsilon)
            try builder.activation("\(name)_relu", .relu)
            // Keras: int(channels * 0.5).
            try builder.conv("\(name)_conv", filters: builder.channels(of: builder.last) / 2, kernel: 1, useBias: false)
            try builder.averagePool("\(name)_pool", size: 2, strides: 2)
            builder.endBlock(name)
        }
    }

    let pooled = try builder.globalAveragePool("avg_pool")
    if options.includeTop {
        try builder.dense("predictions", units: options.classes, activation: .softmax)
    }
    return ZooModel(architecture: architecture, graph: builder.graph, preprocessing: .torch,
                    blocks: builder.blocks, featureNode: pooled)
}
