/// Keras `GlobalAveragePooling2D`: (N, H, W, C) → (N, C), or (N, 1, 1, C) with `keepdims`.
public final class GlobalAveragePooling2D: UnaryLayer {
    public let name: String
    public let keepdims: Bool
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    private var savedInputShape: [Int]?

    public init(name: String, keepdims: Bool = false) {
        self.name = name
        self.keepdims = keepdims
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try globalPoolingOutputShape(inputShape, keepdims: keepdims, layer: name, kind: "GlobalAveragePooling2D")
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        let (batch, spatial, channels) = (input.shape[0], input.shape[1] * input.shape[2], input.shape[3])
        var output = Tensor(zeros: [batch] + shape)
        input.withPointer { x in
            output.withMutablePointer { y in
                globalAveragePool2DForward(input: x, output: y, batch: batch, spatial: spatial, channels: channels)
            }
        }
        savedInputShape = training ? input.shape : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let inputShape = savedInputShape else { throw EngineError.notTrainedForward(layer: name) }
        let (batch, spatial, channels) = (inputShape[0], inputShape[1] * inputShape[2], inputShape[3])
        guard outputGradient.count == batch * channels else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'",
                                            expected: [batch] + (try outputShape(for: Array(inputShape.dropFirst()))),
                                            actual: outputGradient.shape)
        }
        guard inputGradient else { return nil }
        var inputGrad = Tensor(zeros: inputShape)
        outputGradient.withPointer { dy in
            inputGrad.withMutablePointer { dx in
                globalAveragePool2DBackward(outputGradient: dy, inputGradient: dx, batch: batch, spatial: spatial, channels: channels)
            }
        }
        return inputGrad
    }
}

/// Keras `GlobalMaxPooling2D`: (N, H, W, C) → (N, C), or (N, 1, 1, C) with `keepdims`.
/// Backward routes each gradient to the first maximal position (row-major order).
public final class GlobalMaxPooling2D: UnaryLayer {
    public let name: String
    public let keepdims: Bool
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// Per (sample, channel), the spatial index (y·W + x) of the winning element.
    private var savedArgmax: [Int32]?
    private var savedInputShape: [Int]?

    public init(name: String, keepdims: Bool = false) {
        self.name = name
        self.keepdims = keepdims
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try globalPoolingOutputShape(inputShape, keepdims: keepdims, layer: name, kind: "GlobalMaxPooling2D")
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        let (batch, spatial, channels) = (input.shape[0], input.shape[1] * input.shape[2], input.shape[3])
        guard spatial < Int(Int32.max) else {
            throw EngineError.invalidConfiguration(layer: name, reason: "input \(input.shape) is too large to pool")
        }
        var output = Tensor(zeros: [batch] + shape)
        var argmax: [Int32]? = training ? [Int32](repeating: 0, count: batch * channels) : nil
        input.withPointer { x in
            output.withMutablePointer { y in
                if argmax != nil {
                    argmax!.withUnsafeMutableBufferPointer { a in
                        globalMaxPool2DForward(input: x, output: y, argmax: a.baseAddress, batch: batch, spatial: spatial, channels: channels)
                    }
                } else {
                    globalMaxPool2DForward(input: x, output: y, argmax: nil, batch: batch, spatial: spatial, channels: channels)
                }
            }
        }
        savedArgmax = argmax
        savedInputShape = training ? input.shape : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let inputShape = savedInputShape, let argmax = savedArgmax else {
            throw EngineError.notTrainedForward(layer: name)
        }
        let (batch, spatial, channels) = (inputShape[0], inputShape[1] * inputShape[2], inputShape[3])
        guard outputGradient.count == batch * channels else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'",
                                            expected: [batch] + (try outputShape(for: Array(inputShape.dropFirst()))),
                                            actual: outputGradient.shape)
        }
        guard inputGradient else { return nil }
        var inputGrad = Tensor(zeros: inputShape)
        outputGradient.withPointer { dy in
            argmax.withUnsafeBufferPointer { a in
                inputGrad.withMutablePointer { dx in
                    globalMaxPool2DBackward(outputGradient: dy, argmax: a.baseAddress!, inputGradient: dx,
                                            batch: batch, spatial: spatial, channels: channels)
                }
            }
        }
        return inputGrad
    }
}

func globalPoolingOutputShape(_ inputShape: [Int], keepdims: Bool, layer: String, kind: String) throws -> [Int] {
    guard inputShape.count == 3, inputShape[0] > 0, inputShape[1] > 0 else {
        throw EngineError.shapeMismatch(what: "input of \(kind) '\(layer)' (height, width, channels)",
                                        expected: [-1, -1, -1], actual: inputShape)
    }
    return keepdims ? [1, 1, inputShape[2]] : [inputShape[2]]
}

/// output (N, C) = mean over the `spatial` positions of input (N, spatial, C), summed in
/// Float64 so large maps lose no precision.
public func globalAveragePool2DForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                       batch: Int, spatial: Int, channels: Int) {
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    // Each chunk owns whole samples.
    parallelChunks(batch) { range in
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: max(1, channels))
        defer { sums.deallocate() }
        let scale = 1 / Double(spatial)
        for n in range {
            sums.initialize(repeating: 0, count: channels)
            let sample = source.base + n * spatial * channels
            for position in 0..<spatial {
                let x = sample + position * channels
                for c in 0..<channels { sums[c] += Double(x[c]) }
            }
            let y = target.base + n * channels
            for c in 0..<channels { y[c] = Float(sums[c] * scale) }
        }
    }
}

/// inputGradient (written) = dY / spatial at every position.
public func globalAveragePool2DBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                        batch: Int, spatial: Int, channels: Int) {
    let upstream = SendableConstPointer(outputGradient)
    let target = SendablePointer(inputGradient)
    let scale = 1 / Float(spatial)
    // Each chunk owns whole samples.
    parallelChunks(batch) { range in
        for n in range {
            let dy = upstream.base + n * channels
            let sample = target.base + n * spatial * channels
            for position in 0..<spatial {
                let dx = sample + position * channels
                for c in 0..<channels { dx[c] = dy[c] * scale }
            }
        }
    }
}

/// output (N, C) = max over positions; `argmax`, when given, receives the first maximal position.
public func globalMaxPool2DForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                   argmax: UnsafeMutablePointer<Int32>?, batch: Int, spatial: Int, channels: Int) {
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    let winners = argmax.map { SendablePointer($0) }
    // Each chunk owns whole samples.
    parallelChunks(batch) { range in
        for n in range {
            let sample = source.base + n * spatial * channels
            let y = target.base + n * channels
            y.update(from: sample, count: channels)
            if let winners {
                let a = winners.base + n * channels
                a.update(repeating: 0, count: channels)
                for position in 1..<max(1, spatial) {
                    let x = sample + position * channels
                    let p = Int32(truncatingIfNeeded: position)
                    // Strictly greater: on ties the earlier position keeps the gradient.
                    for c in 0..<channels {
                        // `max` rather than `better ? v : current`, which LLVM turns into a
                        // conditional store of y and so a scalar loop.
                        let v = x[c], current = y[c], winner = a[c]
                        let better = v > current
                        y[c] = max(current, v)
                        a[c] = better ? p : winner
                    }
                }
            } else {
                for position in 1..<max(1, spatial) {
                    let x = sample + position * channels
                    for c in 0..<channels { y[c] = max(y[c], x[c]) }
                }
            }
        }
    }
}

/// inputGradient (written) = dY at each channel's argmax, zero elsewhere.
public func globalMaxPool2DBackward(outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                                    inputGradient: UnsafeMutablePointer<Float>, batch: Int, spatial: Int, channels: Int) {
    let upstream = SendableConstPointer(outputGradient)
    let winners = SendableConstPointer(argmax)
    let target = SendablePointer(inputGradient)
    // Each chunk owns whole samples.
    parallelChunks(batch) { range in
        for n in range {
            let sample = target.base + n * spatial * channels
            sample.update(repeating: 0, count: spatial * channels)
            let dy = upstream.base + n * channels
            let a = winners.base + n * channels
            for c in 0..<channels { sample[Int(a[c]) * channels + c] = dy[c] }
        }
    }
}
