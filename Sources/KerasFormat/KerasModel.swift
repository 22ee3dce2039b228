import CNN

/// A graph built from a Keras model, with the map back from Keras layer names to
/// the engine layers that hold their weights (a fused activation is a separate node).
public final class KerasModel {
    public let graph: Graph
    /// Keras layers in model order, each with the engine layer carrying its weights.
    public let kerasLayers: [(name: String, className: String, layer: Layer)]
    /// The node that stands for each Keras layer's output.
    public let outputNodes: [String: Int]
    public var name: String

    init(graph: Graph, kerasLayers: [(name: String, className: String, layer: Layer)], outputNodes: [String: Int], name: String) {
        self.graph = graph
        self.kerasLayers = kerasLayers
        self.outputNodes = outputNodes
        self.name = name
    }

    /// Builds the graph of a parsed config. Layers are added in an order where
    /// every input exists already, whatever order the config lists them in.
    public convenience init(config: ModelConfig, file: String) throws {
        guard let inputShape = config.inputShape, inputShape.allSatisfy({ $0 > 0 }) else {
            throw KerasFormatError.invalidConfig(file: file, reason: "the input shape \(config.inputShape.map { "\($0)" } ?? "is missing"); tl needs fixed sizes (e.g. 224x224x3)")
        }
        let inputName = config.inputLayers[0]
        let graph = Graph(inputShape: inputShape, inputName: inputName)
        let factory = LayerFactory(file: file, flavor: config.flavor)
        var nodes = [inputName: 0]
        var kerasLayers = [(name: String, className: String, layer: Layer)]()
        var pending = config.layers.filter { $0.className != "InputLayer" }
        while !pending.isEmpty {
            guard let ready = pending.firstIndex(where: { $0.inbound.allSatisfy { nodes[$0] != nil } }) else {
                let stuck = pending[0]
                let missing = stuck.inbound.filter { nodes[$0] == nil }
                throw KerasFormatError.invalidConfig(file: file, reason: "layer '\(stuck.name)' takes input from unknown layer(s) \(missing)")
            }
            let spec = pending.remove(at: ready)
            guard !spec.inbound.isEmpty else {
                throw KerasFormatError.invalidConfig(file: file, reason: "layer '\(spec.name)' has no input")
            }
            let inputs = spec.inbound.map { nodes[$0]! }
            let layers: [Layer]
            do {
                layers = try factory.makeLayers(for: spec, inputShapes: inputs.map { graph.nodes[$0].outputShape })
            } catch let error as EngineError {
                throw KerasFormatError.unsupportedOption(file: file, layer: spec.name, reason: error.localizedDescription)
            }
            var node = try addChecked(layers[0], inputs: inputs, graph: graph, file: file)
            for extra in layers.dropFirst() {
                node = try addChecked(extra, inputs: [node], graph: graph, file: file)
            }
            nodes[spec.name] = node
            kerasLayers.append((spec.name, spec.className, layers[0]))
        }
        guard let output = nodes[config.outputLayers[0]] else {
            throw KerasFormatError.invalidConfig(file: file, reason: "output layer '\(config.outputLayers[0])' not found")
        }
        graph.setOutput(output)
        // Keep Keras's order (the order of the config), which weight files follow.
        let order = Dictionary(uniqueKeysWithValues: config.layers.enumerated().map { ($1.name, $0) })
        kerasLayers.sort { order[$0.name, default: 0] < order[$1.name, default: 0] }
        for spec in config.layers where spec.config["trainable"]?.bool == false {
            kerasLayers.first { $0.name == spec.name }?.layer.isTrainable = false
        }
        self.init(graph: graph, kerasLayers: kerasLayers, outputNodes: nodes, name: config.name)
    }

    /// Wraps a graph built in Swift (the zoo): every engine layer is its own Keras layer.
    public convenience init(graph: Graph, name: String, classNames: [String: String] = [:]) {
        let layers = graph.layers.map { (name: $0.name, className: classNames[$0.name] ?? kerasClassName(of: $0), layer: $0) }
        var outputs = [graph.inputName: 0]
        for (index, node) in graph.nodes.enumerated() {
            if let layer = node.layer { outputs[layer.name] = index }
        }
        self.init(graph: graph, kerasLayers: layers, outputNodes: outputs, name: name)
    }

    /// Keras layers that have weights, in model order: what `save_weights` writes.
    public var layersWithWeights: [(name: String, className: String, layer: Layer)] {
        kerasLayers.filter { !$0.layer.parameters.isEmpty }
    }
}

private func addChecked(_ layer: Layer, inputs: [Int], graph: Graph, file: String) throws -> Int {
    do {
        return try graph.add(layer, inputs: inputs)
    } catch let error as EngineError {
        throw KerasFormatError.unsupportedOption(file: file, layer: layer.name, reason: error.localizedDescription)
    }
}

/// The Keras class an engine layer corresponds to.
public func kerasClassName(of layer: Layer) -> String {
    let typeName = String(describing: type(of: layer))
    return typeName
}
