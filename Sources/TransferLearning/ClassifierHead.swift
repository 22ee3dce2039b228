import CNN

public struct HeadOptions: Sendable {
    /// A hidden Dense layer (ReLU) before the classifier, or none.
    public var hiddenUnits: Int?
    public var dropout: Float = 0.2

    public init(hiddenUnits: Int? = nil, dropout: Float = 0.2) {
        self.hiddenUnits = hiddenUnits
        self.dropout = dropout
    }
}

/// The new classifier that replaces the ImageNet softmax: a graph over feature
/// vectors (D) ending in `predictions` (Dense, Glorot-initialized as in Keras) and
/// its softmax; a hidden layer is He-initialized, as ReLU layers should be.
public struct ClassifierHead {
    public let graph: Graph
    public let logitsNode: Int

    public init(featureDimension: Int, classes: Int, options: HeadOptions, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let graph = Graph(inputShape: [featureDimension], inputName: "features")
        var width = featureDimension
        if let hidden = options.hiddenUnits {
            let dense = Dense(name: "head_hidden", inputUnits: width, units: hidden)
            dense.kernel.value = Initializer.heNormal.tensor(shape: dense.kernel.shape, using: &generator)
            try graph.add(dense)
            try graph.add(Activation(name: "head_hidden_relu", kind: .relu))
            width = hidden
        }
        if options.dropout > 0 {
            try graph.add(try Dropout(name: "head_dropout", rate: options.dropout, seed: seed &+ 1))
        }
        let predictions = Dense(name: "predictions", inputUnits: width, units: classes)
        predictions.kernel.value = Initializer.glorotUniform.tensor(shape: predictions.kernel.shape, using: &generator)
        logitsNode = try graph.add(predictions)
        try graph.add(Activation(name: "predictions_softmax", kind: .softmax))
        self.graph = graph
    }
}
