import CNN
import Foundation
import HDF5

/// Saves a model as a Keras 2 full-model HDF5 file (`model_config` + `model_weights`),
/// the layout `tf_keras` writes, with configs that both `tf_keras.models.load_model`
/// and Keras 3's `keras.models.load_model` accept (e.g. no `groups` on DepthwiseConv2D,
/// which Keras 3 refuses).
public enum KerasWriter {
    /// The Keras version the files claim: the layout is that of tf_keras 2.x.
    public static let kerasVersion = "2.21.0"

    /// Writes to a temporary file beside `path` and renames it into place, so an
    /// interrupted save never leaves a broken file. `metadata` values are written as
    /// root attributes (e.g. `class_names` as a JSON list).
    public static func save(_ model: KerasModel, to path: String, metadata: [String: String] = [:]) throws {
        try File.writeAtomically(to: path) { file in
            try write(model, into: file, metadata: metadata)
        }
    }

    static func write(_ model: KerasModel, into file: File, metadata: [String: String]) throws {
        let graph = model.graph
        let classNames = Dictionary(model.kerasLayers.map { (ObjectIdentifier($0.layer), $0.className) },
                                    uniquingKeysWith: { first, _ in first })
        let included = nodesFeedingOutput(graph)
        func nodeName(_ index: Int) -> String { graph.nodes[index].layer?.name ?? graph.inputName }

        var layers: [JSONValue] = [.object([
            "class_name": .string("InputLayer"),
            "name": .string(graph.inputName),
            "config": .object([
                "batch_input_shape": .array([.null] + graph.inputShape.map { .number(Double($0)) }),
                "dtype": .string("float32"), "sparse": .bool(false), "ragged": .bool(false),
                "name": .string(graph.inputName),
            ]),
            "inbound_nodes": .array([]),
        ])]
        var layersWithOrder = [Layer]()
        for index in included where index > 0 {
            let node = graph.nodes[index]
            guard let layer = node.layer else { continue }
            let className = classNames[ObjectIdentifier(layer)] ?? kerasClassName(of: layer)
            let inputShapes = node.inputs.map { graph.nodes[$0].outputShape }
            let (kerasClass, config) = try layerConfig(layer, className: className, inputShapes: inputShapes)
            let inbound = node.inputs.map { JSONValue.array([.string(nodeName($0)), .number(0), .number(0), .object([:])]) }
            layers.append(.object([
                "class_name": .string(kerasClass), "name": .string(layer.name),
                "config": config, "inbound_nodes": .array([.array(inbound)]),
            ]))
            layersWithOrder.append(layer)
        }
        let config = JSONValue.object([
            "class_name": .string("Functional"),
            "config": .object([
                "name": .string(model.name), "trainable": .bool(true), "layers": .array(layers),
                "input_layers": .array([.array([.string(graph.inputName), .number(0), .number(0)])]),
                "output_layers": .array([.array([.string(nodeName(graph.outputNode)), .number(0), .number(0)])]),
            ]),
            "keras_version": .string(kerasVersion), "backend": .string("tensorflow"),
        ])
        try file.setAttribute(named: "model_config", to: config.serialized)
        try file.setAttribute(named: "keras_version", to: kerasVersion)
        try file.setAttribute(named: "backend", to: "tensorflow")
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            try file.setAttribute(named: key, to: value)
        }

        let weights = try file.createGroup(at: "model_weights")
        try weights.setAttribute(named: "layer_names", to: [graph.inputName] + layersWithOrder.map(\.name))
        try weights.setAttribute(named: "backend", to: "tensorflow")
        try weights.setAttribute(named: "keras_version", to: kerasVersion)
        let inputGroup = try weights.createGroup(at: graph.inputName)
        try inputGroup.setAttribute(named: "weight_names", to: [Double]())
        for layer in layersWithOrder {
            let group = try weights.createGroup(at: layer.name)
            let parameters = layer.parameters
            guard !parameters.isEmpty else {
                try group.setAttribute(named: "weight_names", to: [Double]())
                continue
            }
            let names = parameters.map { "\(layer.name)/\($0.name):0" }
            try group.setAttribute(named: "weight_names", to: names)
            for (parameter, name) in zip(parameters, names) {
                try group.createDataset(at: name, values: parameter.value.scalars, shape: parameter.shape)
            }
        }
    }

    /// Nodes the output depends on, in graph order.
    static func nodesFeedingOutput(_ graph: Graph) -> [Int] {
        var needed = Set<Int>()
        var stack = [graph.outputNode]
        while let index = stack.popLast() {
            guard needed.insert(index).inserted else { continue }
            stack.append(contentsOf: graph.nodes[index].inputs)
        }
        return needed.sorted()
    }
}
