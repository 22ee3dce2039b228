import CNN

/// How a spatial feature map becomes one vector per image.
public enum FeaturePooling: String, Sendable, CaseIterable {
    case avg, max
}

/// The frozen network as a fixed feature extractor: runs the graph up to a layer
/// and pools spatial maps into vectors.
public final class FeatureExtractor {
    public let model: LoadedModel
    public let node: Int
    public let layerName: String
    public let pooling: FeaturePooling
    /// Forward passes run so far (the feature cache's tests count on it).
    public private(set) var forwardPasses = 0

    public init(model: LoadedModel, layer: String? = nil, pooling: FeaturePooling = .avg) throws {
        self.model = model
        if let layer {
            guard let node = model.model.outputNodes[layer] ?? model.graph.node(named: layer) else {
                throw TransferLearningError.unknownLayer(model: model.path, layer: layer)
            }
            self.node = node
            layerName = layer
        } else {
            node = model.featureNode
            layerName = model.graph.nodes[model.featureNode].layer?.name ?? model.graph.inputName
        }
        self.pooling = pooling
        model.graph.fuseForInference(preserving: [node])
    }

    /// The length of each feature vector.
    public var dimension: Int {
        let shape = model.graph.nodes[node].outputShape
        return shape.count == 3 ? shape[2] : shape.reduce(1, *)
    }

    /// Features (N, D) of a batch of images (N, H, W, 3) in [0, 255].
    public func features(of images: Tensor) throws -> Tensor {
        var input = images
        model.externalPreprocessing.apply(to: &input)
        let output = try model.graph.run(feeding: [0: input], fetching: [node], training: false)[node]!
        forwardPasses += 1
        return try pooled(output)
    }

    /// Spatial maps go through the engine's global pooling layers.
    func pooled(_ output: Tensor) throws -> Tensor {
        guard output.rank == 4 else { return output.reshaped([output.shape[0], output.sampleCount]) }
        let pool: Layer = pooling == .avg ? GlobalAveragePooling2D(name: "features_pool") : GlobalMaxPooling2D(name: "features_pool")
        return try pool.forward([output], training: false)
    }
}
