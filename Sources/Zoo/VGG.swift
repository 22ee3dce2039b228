import CNN

/// VGG16 and VGG19 as `keras.applications.vgg16` / `vgg19` build them (Simonyan &
/// Zisserman 2015): five blocks of 3×3 `same` convolutions with ReLU, each closed by a
/// 2×2 max pooling, then (with the top) `flatten`, `fc1`, `fc2` (4096, ReLU) and
/// `predictions` (softmax). Preprocessing `caffe`.
///
/// - Blocks: `block1` … `block5` (convolutions and the pooling that ends each); the
///   classifier layers are the head.
/// - Feature node: `avg_pool`, a GlobalAveragePooling2D of `block5_pool` (512 values),
///   what `include_top=False, pooling='avg'` returns. With the top it is a side branch
///   that the classifier does not use; without the top it is the graph's output.
/// - With the top, `fc1` takes the flattened `block5_pool`, so its shape follows the input
///   size: the ImageNet files fit 224×224 only (as in Keras).
func buildVGG(_ architecture: Architecture, options: ZooOptions) throws -> ZooModel {
    let convolutionsPerBlock: [Int]
    switch architecture {
    case .vgg16: convolutionsPerBlock = [2, 2, 3, 3, 3]
    case .vgg19: convolutionsPerBlock = [2, 2, 4, 4, 4]
    default: throw EngineError.invalidConfiguration(layer: architecture.rawValue, reason: "not a VGG")
    }
    let filters = [64, 128, 256, 512, 512]
    let builder = ZooGraphBuilder(inputShape: try options.inputShape(for: architecture))

    for (index, count) in convolutionsPerBlock.enumerated() {
        let block = "block\(index + 1)"
        for convolution in 1...count {
            try builder.conv("\(block)_conv\(convolution)", filters: filters[index], kernel: 3,
                             padding: .same, activation: .relu)
        }
        try builder.maxPool("\(block)_pool", size: 2, strides: 2)
        builder.endBlock(block)
    }
    let features = builder.last
    if options.includeTop {
        try builder.add(Flatten(name: "flatten"))
        try builder.dense("fc1", units: 4096, activation: .relu)
        try builder.dense("fc2", units: 4096, activation: .relu)
        let output = try builder.dense("predictions", units: options.classes, activation: .softmax)
        let pooled = try builder.globalAveragePool("avg_pool", from: features)
        builder.graph.setOutput(output)
        return ZooModel(architecture: architecture, graph: builder.graph, preprocessing: .caffe,
                        blocks: builder.blocks, featureNode: pooled)
    }
    let pooled = try builder.globalAveragePool("avg_pool")
    return ZooModel(architecture: architecture, graph: builder.graph, preprocessing: .caffe,
                    blocks: builder.blocks, featureNode: pooled)
}
