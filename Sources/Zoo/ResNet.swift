import CNN

/// ResNet50, ResNet101 and ResNet152 (v1) as `keras.applications.resnet` builds them
/// (He et al. 2015), with its names: `conv1_pad`, `conv1_conv`, `conv1_bn`, `conv1_relu`,
/// `pool1_pad`, `pool1_pool`, then bottleneck blocks `conv{2-5}_block{i}_{0-3}_{conv,bn}`,
/// `_add`, `_out`, and with the top `avg_pool` + `predictions` (softmax). Every
/// BatchNormalization has epsilon 1.001e-5; every convolution has a bias. The stride of a
/// stage sits on the block's first 1×1 convolution and on its shortcut (`_0_conv`), as in
/// Keras. Preprocessing `caffe`.
///
/// - Blocks: `conv1` (the stem, through `pool1_pool`), then each residual block
///   `conv2_block1` … `conv5_block3`; `avg_pool` and `predictions` are the head.
/// - Feature node: `avg_pool` (2048 values); without the top it is added anyway and is the output.
///
/// Layers are added in the order Keras lists them (`model.layers`, the order of
/// `save_weights`): in a block with a convolution shortcut, `_0_conv` comes after
/// `_2_relu`, then `_3_conv`, `_0_bn`, `_3_bn`.
func buildResNet(_ architecture: Architecture, options: ZooOptions) throws -> ZooModel {
    let blocksPerStage: [Int]
    switch architecture {
    case .resnet50: blocksPerStage = [3, 4, 6, 3]
    case .resnet101: blocksPerStage = [3, 4, 23, 3]
    case .resnet152: blocksPerStage = [3, 8, 36, 3]
    default: throw EngineError.invalidConfiguration(layer: architecture.rawValue, reason: "not a ResNet v1")
    }
    let epsilon: Float = 1.001e-5
    let builder = ZooGraphBuilder(inputShape: try options.inputShape(for: architecture))

    try builder.zeroPadding("conv1_pad", 3)
    try builder.conv("conv1_conv", filters: 64, kernel: 7, strides: 2)
    try builder.batchNorm("conv1_bn", epsilon: epsilon)
    try builder.activation("conv1_relu", .relu)
    try builder.zeroPadding("pool1_pad", 1)
    try builder.maxPool("pool1_pool", size: 3, strides: 2)
    builder.endBlock("conv1")

    for (stage, count) in blocksPerStage.enumerated() {
        let filters = 64 << stage
        for index in 1...count {
            let name = "conv\(stage + 2)_block\(index)"
            let stride = index == 1 && stage > 0 ? 2 : 1
            let input = builder.last
            try builder.conv("\(name)_1_conv", filters: filters, kernel: 1, strides: stride)
            try builder.batchNorm("\(name)_1_bn", epsilon: epsilon)
            try builder.activation("\(name)_1_relu", .relu)
            try builder.conv("\(name)_2_conv", filters: filters, kernel: 3, padding: .same)
            try builder.batchNorm("\(name)_2_bn", epsilon: epsilon)
            let mainInput = try builder.activation("\(name)_2_relu", .relu)
            let shortcut: Int
            let residual: Int
            if index == 1 {
                let shortcutConv = try builder.conv("\(name)_0_conv", filters: 4 * filters, kernel: 1, strides: stride, from: input)
                let mainConv = try builder.conv("\(name)_3_conv", filters: 4 * filters, kernel: 1, from: mainInput)
                shortcut = try builder.batchNorm("\(name)_0_bn", epsilon: epsilon, from: shortcutConv)
                residual = try builder.batchNorm("\(name)_3_bn", epsilon: epsilon, from: mainConv)
            } else {
                try builder.conv("\(name)_3_conv", filters: 4 * filters, kernel: 1)
                residual = try builder.batchNorm("\(name)_3_bn", epsilon: epsilon)
                shortcut = input
            }
            try builder.add(Add(name: "\(name)_add"), inputs: [shortcut, residual])
            try builder.activation("\(name)_out", .relu)
            builder.endBlock(name)
        }
    }

    let pooled = try builder.globalAveragePool("avg_pool")
    if options.includeTop {
        try builder.dense("predictions", units: options.classes, activation: .softmax)
    }
    return ZooModel(architecture: architecture, graph: builder.graph, preprocessing: .caffe,
                    blocks: builder.blocks, featureNode: pooled)
}

/// The first `keras.applications` ResNet50 (keras-applications 1.0.8,
/// `keras_applications/resnet50.py`; the ImageNet files
/// `resnet50_weights_tf_dim_ordering_tf_kernels*.h5` of Keras 2.0–2.2): the same network
/// as `resnet50` but named `conv1`, `bn_conv1`, `res2a_branch2a`, `bn2a_branch2a`, …,
/// `res2a_branch1` (the shortcut), `fc1000`, and with Keras's default BatchNormalization
/// epsilon 1e-3. Padding as in that file's last version: `conv1_pad` (3) before the 7×7
/// stride-2 `valid` convolution, `pool1_pad` (1) before the 3×3 stride-2 max pooling
/// (versions before 1.0.6 had no `pool1_pad`). The stride of stages 3–5 is on the first
/// 1×1 convolution (`res3a_branch2a`) and on the shortcut (`res3a_branch1`). Unnamed
/// Keras layers get the names tf_keras gives them in a fresh session (`activation`,
/// `activation_1`, …, `add`, …, `max_pooling2d`). Preprocessing `caffe`.
///
/// - Blocks: `conv1` (the stem), then `res2a` … `res5c`; `avg_pool` and `fc1000` are the head.
/// - Feature node: `avg_pool`, a GlobalAveragePooling2D (2048 values), with or without the top.
func buildResNet50Legacy(options: ZooOptions) throws -> ZooModel {
    let builder = ZooGraphBuilder(inputShape: try options.inputShape(for: .resnet50Legacy))
    var activations = 0
    var adds = 0
    func relu(from input: Int? = nil) throws -> Int {
        defer { activations += 1 }
        return try builder.activation(activations == 0 ? "activation" : "activation_\(activations)", .relu, from: input)
    }

    try builder.zeroPadding("conv1_pad", 3)
    try builder.conv("conv1", filters: 64, kernel: 7, strides: 2)
    try builder.batchNorm("bn_conv1", epsilon: 1e-3)
    _ = try relu()
    try builder.zeroPadding("pool1_pad", 1)
    try builder.maxPool("max_pooling2d", size: 3, strides: 2)
    builder.endBlock("conv1")

    let stages: [(stage: Int, filters: Int, blocks: String)] = [
        (2, 64, "abc"), (3, 128, "abcd"), (4, 256, "abcdef"), (5, 512, "abc"),
    ]
    for (stage, filters, blockLetters) in stages {
        for (index, letter) in blockLetters.enumerated() {
            let conv = "res\(stage)\(letter)_branch"
            let bn = "bn\(stage)\(letter)_branch"
            let stride = index == 0 && stage > 2 ? 2 : 1
            let input = builder.last
            try builder.conv("\(conv)2a", filters: filters, kernel: 1, strides: stride)
            try builder.batchNorm("\(bn)2a", epsilon: 1e-3)
            _ = try relu()
            try builder.conv("\(conv)2b", filters: filters, kernel: 3, padding: .same)
            try builder.batchNorm("\(bn)2b", epsilon: 1e-3)
            _ = try relu()
            let main: Int
            let shortcut: Int
            if index == 0 {
                let mainConv = try builder.conv("\(conv)2c", filters: 4 * filters, kernel: 1)
                let shortcutConv = try builder.conv("\(conv)1", filters: 4 * filters, kernel: 1, strides: stride, from: input)
                main = try builder.batchNorm("\(bn)2c", epsilon: 1e-3, from: mainConv)
                shortcut = try builder.batchNorm("\(bn)1", epsilon: 1e-3, from: shortcutConv)
            } else {
                try builder.conv("\(conv)2c", filters: 4 * filters, kernel: 1)
                main = try builder.batchNorm("\(bn)2c", epsilon: 1e-3)
                shortcut = input
            }
            try builder.add(Add(name: adds == 0 ? "add" : "add_\(adds)"), inputs: [main, shortcut])
            adds += 1
            _ = try relu()
            builder.endBlock("res\(stage)\(letter)")
        }
    }

    let pooled = try builder.globalAveragePool("avg_pool")
    if options.includeTop {
        try builder.dense("fc1000", units: options.classes, activation: .softmax)
    }
    return ZooModel(architecture: .resnet50Legacy, graph: builder.graph, preprocessing: .caffe,
                    blocks: builder.blocks, featureNode: pooled)
}
