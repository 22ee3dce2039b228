/// Keras `MaxPooling2D` on NHWC input: pool size, strides (default: the pool size) and
/// `valid`/`same` padding (TensorFlow's rule; padded positions never win the max).
/// Backward routes each gradient to the first maximum of its window, in row-major
/// window order, as TensorFlow's MaxPoolGrad does (checked against TF 2.21's GradientTape
/// on inputs full of ties).
public final class MaxPooling2D: UnaryLayer {
    public let name: String
    public let geometry: ConvolutionGeometry
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// Per output element, the offset within its sample of the input element that won.
    private var savedArgmax: [Int32]?
    private var savedInputShape: [Int]?
    /// Zeros around the input that a folded `ZeroPadding2D` would have stored (set by
    /// `Graph.fuseForInference()`; ResNet's `pool1_pad`, 106 MB at batch 32): they take part in
    /// the max. Inference only.
    public internal(set) var absorbedBorder: ZeroBorder = .none

    public init(name: String, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) throws {
        self.name = name
        geometry = try poolingGeometry(poolSize: poolSize, strides: strides, padding: padding, layer: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try poolingOutputShape(inputShape, geometry: geometry, layer: name, kind: "MaxPooling2D")
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: absorbedBorder.padded(Array(input.shape.dropFirst())))
        guard input.sampleCount < Int(Int32.max) else {
            throw EngineError.invalidConfiguration(layer: name, reason: "input \(input.shape) is too large to pool")
        }
        guard !training || absorbedBorder == .none else {
            throw EngineError.invalidConfiguration(layer: name, reason: "a folded zero padding is for inference only")
        }
        let border = absorbedBorder
        let sizes = poolingSizes(input.shape, geometry: geometry, border: border)
        var argmax: [Int32]? = training ? [Int32](repeating: -1, count: input.shape[0] * shape.reduce(1, *)) : nil
        let output = Tensor.overwritten(shape: [input.shape[0]] + shape) { y in
            input.withPointer { x in
                if argmax != nil {
                    argmax!.withUnsafeMutableBufferPointer { a in
                        maxPool2DForward(input: x, output: y, argmax: a.baseAddress, sizes: sizes)
                    }
                } else {
                    maxPool2DForward(input: x, output: y, argmax: nil, sizes: sizes, zerosAround: border != .none)
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
        guard outputGradient.count == argmax.count else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'",
                                            expected: [inputShape[0]] + (try outputShape(for: Array(inputShape.dropFirst()))),
                                            actual: outputGradient.shape)
        }
        guard inputGradient else { return nil }
        let sizes = poolingSizes(inputShape, geometry: geometry)
        var inputGrad = Tensor(zeros: inputShape)
        outputGradient.withPointer { dy in
            argmax.withUnsafeBufferPointer { a in
                inputGrad.withMutablePointer { dx in
                    maxPool2DBackward(outputGradient: dy, argmax: a.baseAddress!, inputGradient: dx, sizes: sizes)
                }
            }
        }
        return inputGrad
    }
}

/// Keras `AveragePooling2D` on NHWC input. With `same` padding each window is divided
/// by the number of real (non-padded) elements it covers, as TensorFlow's AvgPool does.
public final class AveragePooling2D: UnaryLayer {
    public let name: String
    public let geometry: ConvolutionGeometry
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    private var savedInputShape: [Int]?

    public init(name: String, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) throws {
        self.name = name
        geometry = try poolingGeometry(poolSize: poolSize, strides: strides, padding: padding, layer: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try poolingOutputShape(inputShape, geometry: geometry, layer: name, kind: "AveragePooling2D")
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        let sizes = poolingSizes(input.shape, geometry: geometry)
        let output = Tensor.overwritten(shape: [input.shape[0]] + shape) { y in
            input.withPointer { x in averagePool2DForward(input: x, output: y, sizes: sizes) }
        }
        savedInputShape = training ? input.shape : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let inputShape = savedInputShape else { throw EngineError.notTrainedForward(layer: name) }
        let expected = [inputShape[0]] + (try outputShape(for: Array(inputShape.dropFirst())))
        guard outputGradient.shape == expected else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: expected, actual: outputGradient.shape)
        }
        guard inputGradient else { return nil }
        let sizes = poolingSizes(inputShape, geometry: geometry)
        var inputGrad = Tensor(zeros: inputShape)
        outputGradient.withPointer { dy in
            inputGrad.withMutablePointer { dx in averagePool2DBackward(outputGradient: dy, inputGradient: dx, sizes: sizes) }
        }
        return inputGrad
    }
}

/// Keras's pooling window: strides default to the pool size.
func poolingGeometry(poolSize: (Int, Int), strides: (Int, Int)?, padding: Padding, layer: String) throws -> ConvolutionGeometry {
    let strides = strides ?? poolSize
    let geometry = ConvolutionGeometry(kernelHeight: poolSize.0, kernelWidth: poolSize.1,
                                       strideY: strides.0, strideX: strides.1, padding: padding)
    try geometry.validate(layer: layer)
    return geometry
}

func poolingOutputShape(_ inputShape: [Int], geometry: ConvolutionGeometry, layer: String, kind: String) throws -> [Int] {
    guard inputShape.count == 3 else {
        throw EngineError.shapeMismatch(what: "input of \(kind) '\(layer)' (height, width, channels)",
                                        expected: [-1, -1, -1], actual: inputShape)
    }
    let rows = AxisGeometry(input: inputShape[0], kernel: geometry.kernelHeight, stride: geometry.strideY, padding: geometry.padding)
    let columns = AxisGeometry(input: inputShape[1], kernel: geometry.kernelWidth, stride: geometry.strideX, padding: geometry.padding)
    guard rows.output > 0, columns.output > 0 else {
        throw EngineError.invalidConfiguration(layer: layer, reason: "input \(inputShape) is smaller than the pool")
    }
    return [rows.output, columns.output, inputShape[2]]
}

func poolingSizes(_ inputShape: [Int], geometry: ConvolutionGeometry, border: ZeroBorder = .none) -> ConvolutionSizes {
    ConvolutionSizes(batch: inputShape[0], height: inputShape[1], width: inputShape[2],
                     inputChannels: inputShape[3], outputChannels: inputShape[3], geometry: geometry, border: border)
}

/// The taps k of a window starting at `start` (possibly in the padding) that land
/// inside 0..<extent: start + k·dilation ∈ [0, extent).
@inline(__always)
func validTapRange(start: Int, kernel: Int, dilation: Int, extent: Int) -> Range<Int> {
    let first = start >= 0 ? 0 : (-start + dilation - 1) / dilation
    let last = start >= extent ? 0 : min(kernel, (extent - 1 - start) / dilation + 1)
    return first..<max(first, last)
}

/// output (N, OH, OW, C) = max over each window of input (N, H, W, C). When `argmax` is
/// given it receives, per output element, the offset within its sample of the first
/// maximal input element (−1 for a window with no real element, which TensorFlow's
/// padding rule never produces). With `zerosAround`, positions outside the input are zeros
/// that take part in the max (a folded `ZeroPadding2D`; no argmax then); otherwise they
/// never win, as TensorFlow pads for `same`.
public func maxPool2DForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             argmax: UnsafeMutablePointer<Int32>?, sizes: ConvolutionSizes, zerosAround: Bool = false) {
    precondition(!zerosAround || argmax == nil, "a folded zero padding is for inference only")
    let (height, width, channels) = (sizes.height, sizes.width, sizes.inputChannels)
    let (outHeight, outWidth) = (sizes.outputHeight, sizes.outputWidth)
    let g = sizes.geometry
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    let winners = argmax.map { SendablePointer($0) }
    // Each chunk owns whole output rows (of the output and of argmax).
    parallelChunks(sizes.batch * outHeight) { range in
        for item in range {
            let n = item / outHeight
            let oy = item % outHeight
            let top = oy * g.strideY - sizes.padTop
            let taps = validTapRange(start: top, kernel: g.kernelHeight, dilation: 1, extent: height)
            let sample = source.base + n * height * width * channels
            for ox in 0..<outWidth {
                let left = ox * g.strideX - sizes.padLeft
                let tapsX = validTapRange(start: left, kernel: g.kernelWidth, dilation: 1, extent: width)
                let y = target.base + (item * outWidth + ox) * channels
                let a = winners.map { $0.base + (item * outWidth + ox) * channels }
                guard !taps.isEmpty, !tapsX.isEmpty else {
                    y.update(repeating: 0, count: channels)
                    a?.update(repeating: -1, count: channels)
                    continue
                }
                var first = true
                for ky in taps {
                    let row = (top + ky) * width
                    for kx in tapsX {
                        let offset = (row + left + kx) * channels
                        let x = sample + offset
                        if first {
                            y.update(from: x, count: channels)
                            if let a {
                                let base = Int32(offset)
                                // Wrapping adds: offsets were checked to fit in Int32, and a
                                // trapping add would keep these loops from vectorizing.
                                for c in 0..<channels { a[c] = base &+ Int32(truncatingIfNeeded: c) }
                            }
                            first = false
                        } else if let a {
                            let base = Int32(offset)
                            // Strictly greater: on ties the earlier element keeps the gradient.
                            // `max` rather than `better ? v : current`, which LLVM turns into a
                            // conditional store of y and so a scalar loop (10× slower).
                            for c in 0..<channels {
                                let v = x[c], current = y[c], winner = a[c]
                                let better = v > current
                                y[c] = max(current, v)
                                a[c] = better ? base &+ Int32(truncatingIfNeeded: c) : winner
                            }
                        } else {
                            for c in 0..<channels { y[c] = max(y[c], x[c]) }
                        }
                    }
                }
                if zerosAround && (taps.count < g.kernelHeight || tapsX.count < g.kernelWidth) {
                    for c in 0..<channels { y[c] = max(y[c], 0) }
                }
            }
        }
    }
}

/// inputGradient (written, not accumulated) = dY routed to each window's argmax.
public func maxPool2DBackward(outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                              inputGradient: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes) {
    let inputPerSample = sizes.height * sizes.width * sizes.inputChannels
    let outputPerSample = sizes.outputHeight * sizes.outputWidth * sizes.inputChannels
    let upstream = SendableConstPointer(outputGradient)
    let winners = SendableConstPointer(argmax)
    let target = SendablePointer(inputGradient)
    // Overlapping windows add into the same input elements, so each chunk owns whole samples.
    parallelChunks(sizes.batch) { range in
        for n in range {
            let dx = target.base + n * inputPerSample
            let dy = upstream.base + n * outputPerSample
            let a = winners.base + n * outputPerSample
            dx.update(repeating: 0, count: inputPerSample)
            for j in 0..<outputPerSample {
                let index = Int(a[j])
                if index >= 0 { dx[index] += dy[j] }
            }
        }
    }
}

/// output (N, OH, OW, C) = mean over the real (non-padded) elements of each window.
public func averagePool2DForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes) {
    let (height, width, channels) = (sizes.height, sizes.width, sizes.inputChannels)
    let (outHeight, outWidth) = (sizes.outputHeight, sizes.outputWidth)
    let g = sizes.geometry
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    // Each chunk owns whole output rows.
    parallelChunks(sizes.batch * outHeight) { range in
        for item in range {
            let n = item / outHeight
            let oy = item % outHeight
            let top = oy * g.strideY - sizes.padTop
            let taps = validTapRange(start: top, kernel: g.kernelHeight, dilation: 1, extent: height)
            let sample = source.base + n * height * width * channels
            for ox in 0..<outWidth {
                let left = ox * g.strideX - sizes.padLeft
                let tapsX = validTapRange(start: left, kernel: g.kernelWidth, dilation: 1, extent: width)
                let y = target.base + (item * outWidth + ox) * channels
                y.update(repeating: 0, count: channels)
                let count = taps.count * tapsX.count
                guard count > 0 else { continue }
                for ky in taps {
                    let row = (top + ky) * width
                    for kx in tapsX {
                        let x = sample + (row + left + kx) * channels
                        for c in 0..<channels { y[c] += x[c] }
                    }
                }
                let scale = 1 / Float(count)
                for c in 0..<channels { y[c] *= scale }
            }
        }
    }
}

/// inputGradient (written, not accumulated): each window's dY spread evenly over its real elements.
public func averagePool2DBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                  sizes: ConvolutionSizes) {
    let (height, width, channels) = (sizes.height, sizes.width, sizes.inputChannels)
    let (outHeight, outWidth) = (sizes.outputHeight, sizes.outputWidth)
    let g = sizes.geometry
    let upstream = SendableConstPointer(outputGradient)
    let target = SendablePointer(inputGradient)
    // Overlapping windows add into the same input elements, so each chunk owns whole samples.
    parallelChunks(sizes.batch) { range in
        for n in range {
            let dx = target.base + n * height * width * channels
            dx.update(repeating: 0, count: height * width * channels)
            for oy in 0..<outHeight {
                let top = oy * g.strideY - sizes.padTop
                let taps = validTapRange(start: top, kernel: g.kernelHeight, dilation: 1, extent: height)
                for ox in 0..<outWidth {
                    let left = ox * g.strideX - sizes.padLeft
                    let tapsX = validTapRange(start: left, kernel: g.kernelWidth, dilation: 1, extent: width)
                    let count = taps.count * tapsX.count
                    guard count > 0 else { continue }
                    let scale = 1 / Float(count)
                    let dy = upstream.base + ((n * outHeight + oy) * outWidth + ox) * channels
                    for ky in taps {
                        let row = (top + ky) * width
                        for kx in tapsX {
                            let d = dx + (row + left + kx) * channels
                            for c in 0..<channels { d[c] += dy[c] * scale }
                        }
                    }
                }
            }
        }
    }
}
