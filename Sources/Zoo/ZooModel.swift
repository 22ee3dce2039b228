import CNN

/// A network of the zoo, built in Swift with the layer names and weight order of
/// `keras.applications`, so the official ImageNet files load without conversion.
public struct ZooModel {
    public let architecture: Architecture
    public let graph: Graph
    public let preprocessing: Preprocessing
    /// Blocks from the bottom of the network to the top, each the names of its layers
    /// (what `finetune --unfreeze N` counts from the top).
    public let blocks: [Block]
    /// The pooled feature vector before the classifier (the default for feature extraction).
    public let featureNode: Int
    /// Keras class names for layers whose engine type does not say it (e.g. an
    /// `Activation` that Keras calls `ReLU`), used when saving as Keras.
    public let kerasClassNames: [String: String]

    public init(architecture: Architecture, graph: Graph, preprocessing: Preprocessing, blocks: [Block],
                featureNode: Int, kerasClassNames: [String: String] = [:]) {
        self.architecture = architecture
        self.graph = graph
        self.preprocessing = preprocessing
        self.blocks = blocks
        self.featureNode = featureNode
        self.kerasClassNames = kerasClassNames
    }
}

public struct Block: Equatable, Sendable {
    public var name: String
    public var layers: [String]

    public init(name: String, layers: [String]) {
        self.name = name
        self.layers = layers
    }
}

/// Options every architecture takes, as in `keras.applications`.
public struct ZooOptions: Sendable {
    public var includeTop: Bool
    /// (H, W); nil means the architecture's default (224×224 for most).
    public var inputSize: (Int, Int)?
    public var classes: Int

    public init(includeTop: Bool = true, inputSize: (Int, Int)? = nil, classes: Int = 1000) {
        self.includeTop = includeTop
        self.inputSize = inputSize
        self.classes = classes
    }
}
