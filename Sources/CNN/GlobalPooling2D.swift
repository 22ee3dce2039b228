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
        let output = Tensor.overwritten(shape: [batch] + shape) { y in
            input.withPointer { x in
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
///
/// Backward splits each gradient evenly among the positions that tie for the maximum:
/// Keras computes this layer with `reduce_max` (tf-keras `backend.max`, Keras 3 `ops.max`),
/// whose TensorFlow gradient does so (checked against TF 2.21's GradientTape). That differs
/// on purpose from `MaxPooling2D`, whose TensorFlow gradient (MaxPoolGrad) picks the first maximum.
public final class GlobalMaxPooling2D: UnaryLayer {
    public let name: String
    public let keepdims: Bool
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// The input and the maxima of the latest training pass: ties need every position.
    private var saved: (input: Tensor, maxima: Tensor)?

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
        let output = Tensor.overwritten(shape: [batch] + shape) { y in
            input.withPointer { x in
                globalMaxPool2DForward(input: x, output: y, batch: batch, spatial: spatial, channels: channels)
            }
        }
        saved = training ? (input, output) : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let (input, maxima) = saved else { throw EngineError.notTrainedForward(layer: name) }
        let (batch, spatial, channels) = (input.shape[0], input.shape[1] * input.shape[2], input.shape[3])
        guard outputGradient.shape == maxima.shape else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: maxima.shape, actual: outputGradient.shape)
        }
        guard inputGradient else { return nil }
        var inputGrad = Tensor(zeros: input.shape)
        input.withPointer { x in
            maxima.withPointer { m in
                outputGradient.withPointer { dy in
                    inputGrad.withMutablePointer { dx in
                        globalMaxPool2DBackward(input: x, maxima: m, outputGradient: dy, inputGradient: dx,
                                                batch: batch, spatial: spatial, channels: channels)
                    }
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

/// output (N, C) = max over the `spatial` positions of input (N, spatial, C).
public func globalMaxPool2DForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                   batch: Int, spatial: Int, channels: Int) {
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    // Each chunk owns whole samples.
    parallelChunks(batch) { range in
        for n in range {
            let sample = source.base + n * spatial * channels
            let y = target.base + n * channels
            y.update(from: sample, count: channels)
            for position in 1..<max(1, spatial) {
                let x = sample + position * channels
                for c in 0..<channels { y[c] = max(y[c], x[c]) }
            }
        }
    }
}

/// inputGradient (written) = dY / k at each of the k positions equal to the channel's
/// maximum, zero elsewhere (the gradient of TensorFlow's reduce_max).
public func globalMaxPool2DBackward(input: UnsafePointer<Float>, maxima: UnsafePointer<Float>,
                                    outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                    batch: Int, spatial: Int, channels: Int) {
    let source = SendableConstPointer(input)
    let peaks = SendableConstPointer(maxima)
    let upstream = SendableConstPointer(outputGradient)
    let target = SendablePointer(inputGradient)
    // Each chunk owns whole samples.
    parallelChunks(batch) { range in
        let share = UnsafeMutablePointer<Float>.allocate(capacity: max(1, channels))
        defer { share.deallocate() }
        for n in range {
            let sample = source.base + n * spatial * channels
            let dxSample = target.base + n * spatial * channels
            let m = peaks.base + n * channels
            let dy = upstream.base + n * channels
            share.initialize(repeating: 0, count: channels)
            for position in 0..<spatial {
                let x = sample + position * channels
                for c in 0..<channels { share[c] += x[c] == m[c] ? 1 : 0 }
            }
            for c in 0..<channels { share[c] = dy[c] / share[c] }
            for position in 0..<spatial {
                let x = sample + position * channels
                let dx = dxSample + position * channels
                for c in 0..<channels { let s = share[c]; dx[c] = x[c] == m[c] ? s : 0 }
            }
        }
    }
}
