import CNN
import Foundation
import KerasFormat
import Zoo

/// How the user named a model on the command line.
public struct ModelOptions: Sendable {
    /// nil: the embedded default model.
    public var path: String?
    /// Overrides detection for weights-only files.
    public var architecture: Architecture?
    /// Applied to the pixels before the model, on top of whatever the model does itself.
    public var preprocessing: Preprocessing?

    public init(path: String? = nil, architecture: Architecture? = nil, preprocessing: Preprocessing? = nil) {
        self.path = path
        self.architecture = architecture
        self.preprocessing = preprocessing
    }
}

/// A model ready for the commands: a graph that takes float RGB in [0, 255]
/// (normalization inside the graph, as in any Keras full model), where its pooled
/// features are, its classifier, class names and fine-tuning blocks.
public final class LoadedModel {
    public let path: String
    public let displayName: String
    /// "Keras full model", "Keras 2 weights-only (keras.applications)", ...
    public let format: String
    public let architecture: Architecture?
    public let model: KerasModel
    /// Applied outside the graph (only with `--preprocess`; none otherwise).
    public let externalPreprocessing: Preprocessing
    /// What the graph does with its input, for `tl info` and reports.
    public let preprocessingDescription: String
    public let classNames: [String]?
    public let featureNode: Int
    /// Computed on first use: for a Keras full model of a zoo architecture it means
    /// building that architecture, which prediction and feature extraction never need.
    public private(set) lazy var blocks: [Block] = blockSource()
    private let blockSource: () -> [Block]

    /// The model file's SHA-256, read on first use: reports and feature-cache keys need it,
    /// `predict` does not (hashing ResNet50's 103 MB took 0.4 s of its 1.1 s).
    public var sha256: String {
        get throws {
            if let sha256Digest { return sha256Digest }
            let digest = try SHA256.hexDigest(ofFileAt: path)
            sha256Digest = digest
            return digest
        }
    }
    private var sha256Digest: String?

    public var graph: Graph { model.graph }
    public var inputSize: (height: Int, width: Int) { (graph.inputShape[0], graph.inputShape[1]) }
    public var featureDimension: Int { graph.nodes[featureNode].outputShape.reduce(1, *) }

    /// True when the output is a softmax over classes.
    public var hasClassifier: Bool {
        guard let activation = graph.nodes[graph.outputNode].layer as? Activation else { return false }
        return activation.kind == .softmax
    }

    public var classCount: Int { graph.outputShape.last ?? 0 }

    init(path: String, displayName: String, format: String, architecture: Architecture?,
         model: KerasModel, externalPreprocessing: Preprocessing, preprocessingDescription: String,
         classNames: [String]?, featureNode: Int, blocks: @escaping () -> [Block]) {
        self.path = path
        self.displayName = displayName
        self.format = format
        self.architecture = architecture
        self.model = model
        self.externalPreprocessing = externalPreprocessing
        self.preprocessingDescription = preprocessingDescription
        self.classNames = classNames
        self.featureNode = featureNode
        blockSource = blocks
    }

    /// Loads the model named by `options`, from any Keras layout tl reads.
    public static func load(_ options: ModelOptions) throws -> LoadedModel {
        let isDefault = options.path == nil
        let path = options.path ?? DefaultModel.modelURL.path
        if isDefault && !FileManager.default.fileExists(atPath: path) {
            throw TransferLearningError.missingDefaultModel(path)
        }
        let file = try KerasFile(path: path)
        let displayName = isDefault ? "default (EfficientNet-Lite0, ImageNet)" : path
        let external = options.preprocessing ?? Preprocessing.none

        switch file.layout {
        case .fullModel:
            let model = try KerasLoader.loadFullModel(file)
            let layerNames = model.kerasLayers.map(\.name)
            let architecture = options.architecture
                ?? file.stringAttribute("tl_architecture").flatMap(Architecture.init(rawValue:))
                ?? Architecture.detect(layerNames: layerNames)?.architecture
            var classNames = file.stringListAttribute(named: "class_names")
            if classNames == nil && isDefault { classNames = try DefaultModel.classNames() }
            let stored = try storedBlocks(file)
            let blocks: () -> [Block] = {
                // A zoo architecture that cannot be built leaves the model without blocks (finetune says so).
                stored ?? architecture.flatMap { try? zooBlocks($0, present: Set(layerNames)) } ?? []
            }
            let feature = try featureNode(of: model.graph, path: path)
            return LoadedModel(path: path, displayName: displayName,
                               format: "Keras full model (\(file.modelConfig?.flavor == .keras3 ? "Keras 3" : "Keras 2") layout)",
                               architecture: architecture, model: model, externalPreprocessing: external,
                               preprocessingDescription: external == .none ? "in the model's own layers; input float RGB in [0, 255]" : external.summary,
                               classNames: classNames, featureNode: feature, blocks: blocks)
        case .weightsOnly, .keras3Weights:
            let layerNames = file.layout == .weightsOnly ? try file.storedLayerNames() : []
            let detected = Architecture.detect(layerNames: layerNames)
            guard let architecture = options.architecture ?? detected?.architecture else {
                throw TransferLearningError.unknownArchitecture(model: path)
            }
            let includeTop = detected?.includeTop ?? true
            let zoo = try architecture.build(ZooOptions(includeTop: includeTop))
            let zooModel = KerasModel(graph: zoo.graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
            try KerasLoader.loadWeights(file, into: zooModel, matching: file.layout == .weightsOnly ? .exactNames : .byOrder)
            // Normalization moves into the graph, so that every model takes [0, 255] RGB
            // and a saved model carries its own preprocessing.
            let graph = Graph(inputShape: zoo.graph.inputShape, inputName: zoo.graph.inputName)
            var node = 0
            for layer in try GraphComposition.preprocessingLayers(zoo.preprocessing) {
                node = try graph.add(layer, inputs: [node])
            }
            let map = try GraphComposition.append(zoo.graph, upTo: [zoo.graph.outputNode, zoo.featureNode], into: graph, at: node)
            graph.setOutput(map[zoo.graph.outputNode]!)
            let model = KerasModel(graph: graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
            var classNames: [String]? = nil
            if includeTop, zoo.graph.outputShape.last == 1000, let imagenet = try? DefaultModel.classNames() {
                classNames = imagenet
            }
            return LoadedModel(path: path, displayName: displayName,
                               format: file.layout == .weightsOnly ? "Keras 2 weights-only file (as keras.applications downloads)" : "Keras 3 weights file",
                               architecture: architecture, model: model, externalPreprocessing: external,
                               preprocessingDescription: zoo.preprocessing.summary + " (inside the graph)",
                               classNames: classNames, featureNode: map[zoo.featureNode]!, blocks: { zoo.blocks })
        }
    }

    private static func storedBlocks(_ file: KerasFile) throws -> [Block]? {
        guard let text = file.stringAttribute("tl_blocks"), let value = try? JSONValue(parsing: text),
              let items = value.array else { return nil }
        return items.compactMap { item in
            guard let name = item["name"]?.string, let layers = item["layers"]?.array?.compactMap(\.string) else { return nil }
            return Block(name: name, layers: layers)
        }
    }

    /// The blocks of a zoo architecture, keeping only layers this model has.
    private static func zooBlocks(_ architecture: Architecture, present: Set<String>) throws -> [Block] {
        let zoo = try architecture.build(ZooOptions(includeTop: false))
        return zoo.blocks.map { Block(name: $0.name, layers: $0.layers.filter(present.contains)) }
            .filter { !$0.layers.isEmpty }
    }

    /// The features before the classifier: the input of the last Dense (or 1×1
    /// convolution on a 1×1 map), skipping Dropout and Reshape; or the output itself
    /// for a model without a classifier. May be a spatial map (H, W, C), which feature
    /// extraction then pools.
    static func featureNode(of graph: Graph, path: String) throws -> Int {
        var node = graph.outputNode
        func layer(_ index: Int) -> Layer? { graph.nodes[index].layer }
        func single(_ index: Int) -> Int? { graph.nodes[index].inputs.count == 1 ? graph.nodes[index].inputs[0] : nil }
        // Walk back over the activation and the classifier.
        while let current = layer(node) as? Activation, let previous = single(node) {
            _ = current
            node = previous
        }
        let isClassifier: (Int) -> Bool = { index in
            if layer(index) is Dense { return true }
            if layer(index) is Conv2D, let input = single(index) {
                let shape = graph.nodes[input].outputShape
                return shape.count == 3 && shape[0] == 1 && shape[1] == 1
            }
            return false
        }
        while layer(node) is Reshape, let previous = single(node) { node = previous }
        if isClassifier(node), let previous = single(node) {
            node = previous
            while layer(node) is Dropout || layer(node) is Reshape, let previous = single(node) { node = previous }
        }
        guard node > 0 else { throw TransferLearningError.noFeatureLayer(model: path) }
        return node
    }
}

extension KerasFile {
    /// A string attribute at the root, or nil.
    func stringAttribute(_ name: String) -> String? {
        try? file.stringAttribute(named: name)
    }
}
