/// A Keras model's `model_config`, reduced to what building a graph needs:
/// the layers in order, each with its class, config and the layers feeding it.
public struct ModelConfig: Sendable {
    public enum Flavor: Sendable {
        /// Keras 2 / tf_keras: inbound nodes as `[[name, node, tensor, kwargs], ...]`.
        case keras2
        /// Keras 3: inbound nodes as `{"args": [keras tensors with keras_history], "kwargs": {}}`.
        case keras3
    }

    public struct LayerSpec: Sendable {
        public var className: String
        public var name: String
        public var config: JSONValue
        /// Names of the layers whose outputs feed this one, in argument order.
        public var inbound: [String]
    }

    public var name: String
    public var flavor: Flavor
    public var layers: [LayerSpec]
    public var inputLayers: [String]
    public var outputLayers: [String]
    public var inputShape: [Int]?

    /// Parses Sequential and Functional configs of both flavours. Nested models
    /// (a Functional model used as a layer) are refused.
    ///
    /// `kerasVersion` is the file's `keras_version` attribute. It decides the flavour (which
    /// matters for semantics: `hard_sigmoid` changed in Keras 3), because the config alone does
    /// not always tell: Keras 3 writes a Sequential model to `.h5` without any Keras 3 marker in
    /// its layers. Without a version the config's shape decides.
    public init(json text: String, file: String, kerasVersion: String? = nil) throws {
        let root: JSONValue
        do { root = try JSONValue(parsing: text) } catch {
            throw KerasFormatError.invalidConfig(file: file, reason: "not JSON")
        }
        guard let className = root["class_name"]?.string, let config = root["config"] else {
            throw KerasFormatError.invalidConfig(file: file, reason: "no class_name/config at the top")
        }
        // Keras 2.0-2.1 wrote a Sequential config as the bare list of its layers.
        let rawLayers = config.array ?? config["layers"]?.array ?? []
        name = config["name"]?.string ?? (className == "Sequential" ? "sequential" : "model")
        flavor = Self.flavor(kerasVersion: kerasVersion, layers: rawLayers)
        layers = []
        inputLayers = []
        outputLayers = []

        switch className {
        case "Sequential":
            var previous: String?
            for raw in rawLayers {
                guard let layerClass = raw["class_name"]?.string, let layerConfig = raw["config"] else {
                    throw KerasFormatError.invalidConfig(file: file, reason: "a layer without class_name/config")
                }
                let layerName = layerConfig["name"]?.string ?? raw["name"]?.string ?? "layer_\(layers.count)"
                if layerClass == "InputLayer" {
                    inputShape = Self.batchShape(layerConfig)
                    inputLayers = [layerName]
                    previous = layerName
                    continue
                }
                if previous == nil {
                    // Older Keras 2 puts the input shape on the first layer instead of an InputLayer,
                    // or (a model built with `build(shape)`) in the Sequential's `build_input_shape`.
                    guard let shape = Self.batchShape(layerConfig) ?? Self.buildInputShape(config) else {
                        throw KerasFormatError.invalidConfig(file: file, reason: "Sequential model without an input shape")
                    }
                    inputShape = shape
                    inputLayers = ["input_1"]
                    layers.append(LayerSpec(className: "InputLayer", name: "input_1", config: .object([:]), inbound: []))
                    previous = "input_1"
                }
                layers.append(LayerSpec(className: layerClass, name: layerName, config: layerConfig, inbound: [previous!]))
                previous = layerName
            }
            if let first = inputLayers.first, !layers.contains(where: { $0.name == first }) {
                layers.insert(LayerSpec(className: "InputLayer", name: first, config: .object([:]), inbound: []), at: 0)
            }
            outputLayers = previous.map { [$0] } ?? []
        case "Functional", "Model":
            for raw in rawLayers {
                guard let layerClass = raw["class_name"]?.string, let layerConfig = raw["config"] else {
                    throw KerasFormatError.invalidConfig(file: file, reason: "a layer without class_name/config")
                }
                let layerName = raw["name"]?.string ?? layerConfig["name"]?.string ?? "layer_\(layers.count)"
                let nodes = raw["inbound_nodes"]?.array ?? []
                guard nodes.count <= 1 else {
                    throw KerasFormatError.unsupportedOption(file: file, layer: layerName,
                                                             reason: "a layer shared between \(nodes.count) calls is not supported")
                }
                var inbound = [String]()
                if let node = nodes.first {
                    // Told per node rather than by flavour: Keras 3 nodes are objects, Keras 2 lists.
                    if node.object != nil {
                        Self.collectHistory(node["args"] ?? .null, into: &inbound)
                    } else {
                        for entry in node.array ?? [] {
                            if let source = entry.array?.first?.string { inbound.append(source) }
                        }
                    }
                }
                if layerClass == "InputLayer" { inputShape = Self.batchShape(layerConfig) }
                if ["Functional", "Model", "Sequential"].contains(layerClass) {
                    throw KerasFormatError.unsupportedOption(file: file, layer: layerName,
                                                             reason: "nested models are not supported; save the outer model flattened")
                }
                layers.append(LayerSpec(className: layerClass, name: layerName, config: layerConfig, inbound: inbound))
            }
            inputLayers = Self.endpointNames(config["input_layers"])
            outputLayers = Self.endpointNames(config["output_layers"])
        default:
            throw KerasFormatError.invalidConfig(file: file, reason: "unsupported model class \(className)")
        }
        guard inputLayers.count == 1 else {
            throw KerasFormatError.invalidConfig(file: file, reason: "tl supports models with exactly one input, this one has \(inputLayers.count)")
        }
        guard outputLayers.count == 1 else {
            throw KerasFormatError.invalidConfig(file: file, reason: "tl supports models with exactly one output, this one has \(outputLayers.count)")
        }
    }

    static func flavor(kerasVersion: String?, layers: [JSONValue]) -> Flavor {
        if let version = kerasVersion, let major = Int(version.prefix(while: \.isNumber)) {
            return major >= 3 ? .keras3 : .keras2
        }
        let keras3 = layers.contains { layer in
            layer["module"] != nil
                || layer["inbound_nodes"]?.array?.first?.object != nil
                || (layer["class_name"]?.string == "InputLayer" && layer["config"]?["batch_shape"] != nil)
        }
        return keras3 ? .keras3 : .keras2
    }

    /// `build_input_shape` of a Sequential config, without the batch.
    static func buildInputShape(_ config: JSONValue) -> [Int]? {
        guard let shape = config["build_input_shape"]?.array, shape.count >= 2 else { return nil }
        return shape.dropFirst().map { $0.int ?? -1 }
    }

    /// `[null, H, W, C]` from `batch_input_shape` (Keras 2) or `batch_shape` (Keras 3), without the batch.
    static func batchShape(_ config: JSONValue) -> [Int]? {
        guard let shape = (config["batch_input_shape"] ?? config["batch_shape"])?.array else { return nil }
        let dims = shape.dropFirst().map { $0.int ?? -1 }
        return Array(dims)
    }

    static func collectHistory(_ value: JSONValue, into names: inout [String]) {
        if let history = value["config"]?["keras_history"]?.array, let name = history.first?.string {
            names.append(name)
            return
        }
        if let items = value.array {
            for item in items { collectHistory(item, into: &names) }
        } else if let object = value.object {
            for key in object.keys.sorted() { collectHistory(object[key]!, into: &names) }
        }
    }

    /// `[["input_1", 0, 0]]`, or a single `["input_1", 0, 0]` (Keras 3 writes both).
    static func endpointNames(_ value: JSONValue?) -> [String] {
        guard let items = value?.array else { return [] }
        if let name = items.first?.string { return [name] }
        return items.compactMap { $0.array?.first?.string }
    }
}
