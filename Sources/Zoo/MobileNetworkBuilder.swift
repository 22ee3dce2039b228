import CNN

/// Builds a zoo graph one Keras layer at a time, as `keras.applications` code reads:
/// a running "current" node, helpers for the layer kinds the mobile architectures use,
/// the Keras class of each layer where the engine type does not say it, and the
/// grouping of layers into fine-tuning blocks.
///
/// Used by MobileNet, MobileNetV2, EfficientNetB0 and EfficientNet-Lite0.
final class MobileNetworkBuilder {
    let graph: Graph
    private(set) var current: Int
    private(set) var kerasClassNames: [String: String] = [:]
    private(set) var blocks: [Block] = []
    private var openBlock: Block?

    init(inputShape: [Int], inputName: String = "input_1") {
        graph = Graph(inputShape: inputShape, inputName: inputName)
        current = 0
    }

    /// The output shape of the current node, without the batch dimension.
    var shape: [Int] { graph.nodes[current].outputShape }
    var channels: Int { shape.last ?? 0 }

    /// Adds `layer` fed by `inputs` (default: the current node) and makes it current.
    @discardableResult
    func add(_ layer: Layer, inputs: [Int]? = nil, kerasClass: String? = nil) throws -> Int {
        current = try graph.add(layer, inputs: inputs ?? [current])
        if let kerasClass { kerasClassNames[layer.name] = kerasClass }
        openBlock?.layers.append(layer.name)
        return current
    }

    /// Moves the current node back (e.g. to the input of a residual block).
    func setCurrent(_ node: Int) {
        current = node
    }

    // MARK: blocks

    func beginBlock(_ name: String) {
        precondition(openBlock == nil, "block \(openBlock!.name) is still open")
        openBlock = Block(name: name, layers: [])
    }

    func endBlock() {
        guard let block = openBlock else { preconditionFailure("no open block") }
        blocks.append(block)
        openBlock = nil
    }

    // MARK: layers

    /// Keras `Conv2D`; a fused activation becomes an `Activation` named `<name>_activation`,
    /// as the Keras loader (LayerFactory) names it.
    @discardableResult
    func conv(_ name: String, filters: Int, kernel: Int, strides: Int = 1, padding: Padding,
              useBias: Bool, activation: ActivationKind? = nil) throws -> Int {
        try add(Conv2D(name: name, inputChannels: channels, filters: filters, kernelSize: (kernel, kernel),
                       strides: (strides, strides), padding: padding, useBias: useBias))
        if let activation {
            try add(Activation(name: "\(name)_activation", kind: activation))
        }
        return current
    }

    @discardableResult
    func depthwise(_ name: String, kernel: Int, strides: Int = 1, padding: Padding, useBias: Bool = false) throws -> Int {
        try add(DepthwiseConv2D(name: name, inputChannels: channels, kernelSize: (kernel, kernel),
                                strides: (strides, strides), padding: padding, useBias: useBias))
    }

    @discardableResult
    func batchNorm(_ name: String, epsilon: Float = 1e-3, momentum: Float = 0.99) throws -> Int {
        try add(BatchNormalization(name: name, channels: channels, epsilon: epsilon, momentum: momentum))
    }

    /// Keras `ReLU(6.0)`.
    @discardableResult
    func relu6(_ name: String) throws -> Int {
        try add(Activation(name: name, kind: .relu6), kerasClass: "ReLU")
    }

    /// Keras `Activation(kind)`.
    @discardableResult
    func activation(_ name: String, _ kind: ActivationKind) throws -> Int {
        try add(Activation(name: name, kind: kind))
    }

    @discardableResult
    func zeroPadding(_ name: String, top: Int, bottom: Int, left: Int, right: Int) throws -> Int {
        try add(ZeroPadding2D(name: name, top: top, bottom: bottom, left: left, right: right))
    }

    /// `imagenet_utils.correct_pad(x, kernel)` for the current node, put before a stride-2
    /// `valid` convolution: ((k/2 − adjust, k/2), (k/2 − adjust, k/2)) with adjust =
    /// 1 − size % 2 per axis. An even size gets one row and column fewer at the top/left
    /// than at the bottom/right (what TensorFlow's `same` does for stride 2), an odd size
    /// k/2 on both sides (where `same` would pad k/2 − 1 on top and k/2 − 1 at the bottom
    /// for k = 3, so `same` would differ: this is why Keras pads explicitly).
    func correctPad(kernel: Int) -> (top: Int, bottom: Int, left: Int, right: Int) {
        let height = shape[0], width = shape[1]
        let half = kernel / 2
        let adjustY = 1 - height % 2, adjustX = 1 - width % 2
        return (half - adjustY, half, half - adjustX, half)
    }

    @discardableResult
    func globalAveragePooling(_ name: String, keepdims: Bool = false) throws -> Int {
        try add(GlobalAveragePooling2D(name: name, keepdims: keepdims))
    }

    @discardableResult
    func dropout(_ name: String, rate: Float, noiseShape: [Int?]? = nil) throws -> Int {
        try add(Dropout(name: name, rate: rate, noiseShape: noiseShape))
    }

    /// Keras `Dense`; a fused activation becomes `<name>_activation`.
    @discardableResult
    func dense(_ name: String, units: Int, activation: ActivationKind? = nil) throws -> Int {
        try add(Dense(name: name, inputUnits: channels, units: units))
        if let activation {
            try add(Activation(name: "\(name)_activation", kind: activation))
        }
        return current
    }

    func model(_ architecture: Architecture, preprocessing: Preprocessing, featureNode: Int) -> ZooModel {
        precondition(openBlock == nil, "block \(openBlock!.name) is still open")
        return ZooModel(architecture: architecture, graph: graph, preprocessing: preprocessing, blocks: blocks,
                        featureNode: featureNode, kerasClassNames: kerasClassNames)
    }
}

/// The (H, W) an architecture is built for, checked against Keras's minimum.
func resolvedInputSize(_ options: ZooOptions, architecture: Architecture, minimum: Int) throws -> (Int, Int) {
    let size = options.inputSize ?? architecture.defaultInputSize
    guard size.0 >= minimum, size.1 >= minimum else {
        throw EngineError.invalidConfiguration(
            layer: architecture.rawValue,
            reason: "input size \(size.0)x\(size.1) is below Keras's minimum of \(minimum)x\(minimum)")
    }
    guard options.classes >= 1 else {
        throw EngineError.invalidConfiguration(layer: architecture.rawValue, reason: "classes must be at least 1")
    }
    return size
}
