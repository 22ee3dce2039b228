/// Keras `Add`: the element-wise sum of two or more inputs of one shape
/// (ResNet and MobileNetV2 shortcuts).
public final class Add: Layer {
    public let name: String
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// How many inputs the latest training forward pass had: each gets a copy of the gradient.
    private var savedInputCount: Int?

    public init(name: String) {
        self.name = name
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "needs at least 2 inputs, got \(inputShapes.count)")
        }
        for shape in inputShapes.dropFirst() where shape != inputShapes[0] {
            throw EngineError.shapeMismatch(what: "inputs of Add '\(name)'", expected: inputShapes[0], actual: shape)
        }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        _ = try outputShape(for: inputs.map { Array($0.shape.dropFirst()) })
        guard inputs.allSatisfy({ $0.shape[0] == inputs[0].shape[0] }) else {
            throw EngineError.shapeMismatch(what: "batch sizes of Add '\(name)'", expected: inputs[0].shape,
                                            actual: inputs.first { $0.shape[0] != inputs[0].shape[0] }!.shape)
        }
        var output = inputs[0]
        let count = output.count
        output.withMutablePointer { y in
            for input in inputs.dropFirst() {
                input.withPointer { x in accumulateSum(x, into: y, count: count) }
            }
        }
        savedInputCount = training ? inputs.count : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradients: Bool) throws -> [Tensor] {
        guard let count = savedInputCount else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradients else { return [] }
        // Copy-on-write: the copies share one buffer until someone downstream accumulates into one.
        return [Tensor](repeating: outputGradient, count: count)
    }
}

/// y[i] += x[i] for i in 0..<count.
public func accumulateSum(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += x[i] }
}
