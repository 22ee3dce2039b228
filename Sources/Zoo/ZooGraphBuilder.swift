import CNN

/// Builds a zoo graph layer by layer, Keras style: each helper takes its input node
/// (by default the latest one), infers the input channels from the graph, and files
/// every layer it adds under the block being built, so `blocks` comes out with the graph.
///
/// A Keras layer with a fused activation (`Conv2D(..., activation="relu")`) becomes the
/// layer plus an `Activation` named `<name>_activation`, as `KerasModel(config:)` names it,
/// so a zoo graph and the same model read from a full-model file have the same node names.
final class ZooGraphBuilder {
    let graph: Graph
    private var pending: [String] = []
    private(set) var blocks: [Block] = []

    init(inputShape: [Int], inputName: String = "input_1") {
        graph = Graph(inputShape: inputShape, inputName: inputName)
    }

    /// The latest node.
    var last: Int { graph.outputNode }

    func shape(of node: Int) -> [Int] { graph.nodes[node].outputShape }
    func channels(of node: Int) -> Int { shape(of: node).last ?? 0 }

    @discardableResult
    func add(_ layer: Layer, inputs: [Int]? = nil) throws -> Int {
        let node = try graph.add(layer, inputs: inputs)
        pending.append(layer.name)
        return node
    }

    /// Closes the block under construction: every layer added since the previous block.
    func endBlock(_ name: String) {
        blocks.append(Block(name: name, layers: pending))
        pending = []
    }

    /// Layers added since the last block (the head), which stay outside `blocks`.
    var unblockedLayers: [String] { pending }

    @discardableResult
    func conv(_ name: String, filters: Int, kernel: Int, strides: Int = 1, padding: Padding = .valid,
              useBias: Bool = true, activation: ActivationKind? = nil, from input: Int? = nil) throws -> Int {
        let source = input ?? last
        let layer = try Conv2D(name: name, inputChannels: channels(of: source), filters: filters,
                               kernelSize: (kernel, kernel), strides: (strides, strides),
                               padding: padding, useBias: useBias)
        let node = try add(layer, inputs: [source])
        guard let activation else { return node }
        return try add(Activation(name: "\(name)_activation", kind: activation), inputs: [node])
    }

    @discardableResult
    func batchNorm(_ name: String, epsilon: Float, from input: Int? = nil) throws -> Int {
        let source = input ?? last
        return try add(BatchNormalization(name: name, channels: channels(of: source), epsilon: epsilon), inputs: [source])
    }

    @discardableResult
    func activation(_ name: String, _ kind: ActivationKind, from input: Int? = nil) throws -> Int {
        try add(Activation(name: name, kind: kind), inputs: [input ?? last])
    }

    @discardableResult
    func zeroPadding(_ name: String, _ amount: Int, from input: Int? = nil) throws -> Int {
        try add(ZeroPadding2D(name: name, padding: amount), inputs: [input ?? last])
    }

    @discardableResult
    func maxPool(_ name: String, size: Int, strides: Int, from input: Int? = nil) throws -> Int {
        try add(MaxPooling2D(name: name, poolSize: (size, size), strides: (strides, strides)), inputs: [input ?? last])
    }

    @discardableResult
    func averagePool(_ name: String, size: Int, strides: Int, from input: Int? = nil) throws -> Int {
        try add(AveragePooling2D(name: name, poolSize: (size, size), strides: (strides, strides)), inputs: [input ?? last])
    }

    @discardableResult
    func globalAveragePool(_ name: String, from input: Int? = nil) throws -> Int {
        try add(GlobalAveragePooling2D(name: name), inputs: [input ?? last])
    }

    @discardableResult
    func dense(_ name: String, units: Int, activation: ActivationKind? = nil, from input: Int? = nil) throws -> Int {
        let source = input ?? last
        let node = try add(Dense(name: name, inputUnits: channels(of: source), units: units), inputs: [source])
        guard let activation else { return node }
        return try add(Activation(name: "\(name)_activation", kind: activation), inputs: [node])
    }
}

extension ZooOptions {
    /// The input (H, W, 3), checked against the architecture's smallest size.
    func inputShape(for architecture: Architecture, minimum: Int = 32) throws -> [Int] {
        let (height, width) = inputSize ?? architecture.defaultInputSize
        guard height >= minimum, width >= minimum else {
            throw EngineError.invalidConfiguration(
                layer: architecture.rawValue,
                reason: "input size \(height)x\(width) is below the architecture's minimum of \(minimum)x\(minimum)")
        }
        guard !includeTop || classes > 0 else {
            throw EngineError.invalidConfiguration(layer: architecture.rawValue, reason: "classes must be positive, got \(classes)")
        }
        return [height, width, 3]
    }
}
