/// Keras `Add`: the element-wise sum of two or more inputs of one shape
/// (ResNet and MobileNetV2 shortcuts).
public final class Add: Layer {
    public let name: String
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// A ReLU that follows this sum, applied in the same pass (set by `Graph.fuseForInference()`).
    public internal(set) var fusedActivation: ActivationKind?
    /// The sum was folded into the convolution that computes this input (its position), which
    /// already added the other one: this layer passes that input on (`Graph.fuseForInference()`).
    public internal(set) var passThroughInput: Int?
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
        if passThroughInput != nil {
            // The graph passes only the input that holds the sum (`Graph.sourcesAsFused`).
            guard inputs.count == 1 else {
                throw EngineError.invalidConfiguration(layer: name, reason: "the sum was fused into a convolution: expects its output only")
            }
            return inputs[0]
        }
        _ = try outputShape(for: inputs.map { Array($0.shape.dropFirst()) })
        guard inputs.allSatisfy({ $0.shape[0] == inputs[0].shape[0] }) else {
            throw EngineError.shapeMismatch(what: "batch sizes of Add '\(name)'", expected: inputs[0].shape,
                                            actual: inputs.first { $0.shape[0] != inputs[0].shape[0] }!.shape)
        }
        // One pass that writes a new tensor: starting from a copy of the first input would
        // first copy it (it is still held by the graph) and then add over it.
        let count = inputs[0].count
        let relu = fusedActivation == .relu
        let output = Tensor(shape: inputs[0].shape) { buffer in
            let target = SendablePointer(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            inputs[0].withPointer { a in
                inputs[1].withPointer { b in
                    let (first, second) = (SendableConstPointer(a), SendableConstPointer(b))
                    // Each thread owns a contiguous range of elements.
                    parallelChunks(count, minimumChunk: 1 << 15) { range in
                        for i in range { target.base[i] = first.base[i] + second.base[i] }
                    }
                }
            }
            for input in inputs.dropFirst(2) {
                input.withPointer { x in accumulateSum(x, into: target.base, count: count) }
            }
            if relu {
                parallelChunks(count, minimumChunk: 1 << 15) { range in
                    for i in range { target.base[i] = max(0, target.base[i]) }
                }
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
