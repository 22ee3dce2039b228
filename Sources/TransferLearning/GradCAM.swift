import CNN

/// Grad-CAM (Selvaraju et al. 2017): where in the image the network looked for a
/// class. The gradient of the class score (the logit) with respect to the last
/// spatial feature map weights that map's channels; the weighted sum, through a ReLU,
/// is the heat map at the map's resolution.
public final class GradCAM {
    public let model: LoadedModel
    public let mapNode: Int
    public let scoreNode: Int

    public init(model: LoadedModel) throws {
        guard model.hasClassifier else { throw TransferLearningError.noClassifier(model: model.displayName) }
        self.model = model
        let graph = model.graph
        scoreNode = graph.nodes[graph.outputNode].inputs.first ?? graph.outputNode
        // The last node, below the features, whose output is still a spatial map.
        var candidate: Int?
        for index in stride(from: model.featureNode, through: 1, by: -1) {
            let shape = graph.nodes[index].outputShape
            if shape.count == 3, shape[0] > 1 || shape[1] > 1 {
                candidate = index
                break
            }
        }
        guard let candidate else { throw TransferLearningError.noFeatureLayer(model: model.displayName) }
        mapNode = candidate
    }

    /// The heat map (h, w) of one image (1, H, W, 3) in [0, 255] for `classIndex`,
    /// scaled to [0, 1] (all zeros when nothing speaks for the class).
    public func heatMap(for image: Tensor, classIndex: Int) throws -> Tensor {
        let graph = model.graph
        var input = image
        model.externalPreprocessing.apply(to: &input)
        graph.fuseForInference(preserving: [mapNode, graph.outputNode])
        let map = try graph.run(feeding: [0: input], fetching: [mapNode], training: false)[mapNode]!

        // A backward pass through the frozen top at inference semantics: every layer
        // frozen (batch norm on its moving statistics), dropout off, nothing accumulated.
        let layers = graph.layers
        let trainable = layers.map(\.isTrainable)
        let dropouts = layers.compactMap { $0 as? Dropout }
        let enabled = dropouts.map(\.isEnabled)
        let wantedFed = graph.wantsFedGradients
        defer {
            for (layer, flag) in zip(layers, trainable) { layer.isTrainable = flag }
            for (dropout, flag) in zip(dropouts, enabled) { dropout.isEnabled = flag }
            graph.wantsFedGradients = wantedFed
        }
        for layer in layers { layer.isTrainable = false }
        for dropout in dropouts { dropout.isEnabled = false }
        graph.wantsFedGradients = true

        let scores = try graph.run(feeding: [mapNode: map], fetching: [scoreNode], training: true)[scoreNode]!
        var seed = Tensor(zeros: scores.shape)
        seed.scalars[classIndex] = 1
        guard let gradient = try graph.backward([scoreNode: seed])[mapNode] else {
            throw TransferLearningError.noFeatureLayer(model: model.displayName)
        }
        let (h, w, c) = (map.shape[1], map.shape[2], map.shape[3])
        var weights = [Float](repeating: 0, count: c)
        for pixel in 0..<(h * w) {
            for channel in 0..<c { weights[channel] += gradient.scalars[pixel * c + channel] / Float(h * w) }
        }
        var heat = Tensor(zeros: [h, w])
        for pixel in 0..<(h * w) {
            var sum: Float = 0
            for channel in 0..<c { sum += weights[channel] * map.scalars[pixel * c + channel] }
            heat.scalars[pixel] = max(0, sum)
        }
        let peak = heat.scalars.max() ?? 0
        if peak > 0 {
            for index in 0..<heat.count { heat.scalars[index] /= peak }
        }
        return heat
    }
}
