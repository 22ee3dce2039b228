/// Keras `DepthwiseConv2D` in NHWC: each input channel c is convolved with its own
/// M filters, kernel (KH, KW, C, M), giving output channel c·M + m as TensorFlow does;
/// optional bias (C·M), strides, dilation, `valid`/`same` padding (TensorFlow's rule).
/// Strides > 1 together with dilation > 1 are refused, as Keras and TensorFlow refuse them.
///
/// The kernel is named `depthwise_kernel` as in tf-keras and keras.applications weight
/// files (Keras 3 calls the same variable `kernel`).
///
/// Direct loops rather than GEMM: a depthwise tap is one multiply-add per channel, so
/// the innermost loops run over contiguous channels of an input pixel, a kernel tap and
/// an output pixel, where they vectorize.
public final class DepthwiseConv2D: UnaryLayer {
    public let name: String
    public let geometry: ConvolutionGeometry
    public let kernel: Parameter
    public let bias: Parameter?
    public var isTrainable = true { didSet { applyTrainable() } }
    /// A following batch normalization and activation, applied to each output row while it
    /// is in cache (set by `Graph.fuseForInference()`, inference only).
    public internal(set) var epilogue: ConvolutionEpilogue?
    /// A preceding `ZeroPadding2D` read as implicit zeros (set by `Graph.fuseForInference()`).
    public internal(set) var absorbedBorder: ZeroBorder = .none
    private var savedInput: Tensor?
    private var oneDNN = OneDNNPrimitives()
    /// The oneDNN kernels this layer has run, e.g. "brgconv:avx512_core" (empty: only the engine's own).
    public var oneDNNImplementations: [String] { oneDNN.implementations }

    public init(name: String, inputChannels: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
                dilation: (Int, Int) = (1, 1), padding: Padding = .valid, depthMultiplier: Int = 1,
                useBias: Bool = true) throws {
        self.name = name
        geometry = ConvolutionGeometry(kernelHeight: kernelSize.0, kernelWidth: kernelSize.1,
                                       strideY: strides.0, strideX: strides.1,
                                       dilationY: dilation.0, dilationX: dilation.1, padding: padding)
        try geometry.validate(layer: name)
        guard depthMultiplier >= 1, inputChannels >= 1 else {
            throw EngineError.invalidConfiguration(layer: name,
                                                   reason: "depth multiplier and input channels must be positive, got \(depthMultiplier) and \(inputChannels)")
        }
        kernel = Parameter(name: "depthwise_kernel",
                           value: Tensor(zeros: [kernelSize.0, kernelSize.1, inputChannels, depthMultiplier]))
        bias = useBias ? Parameter(name: "bias", value: Tensor(zeros: [inputChannels * depthMultiplier]), role: .bias) : nil
    }

    public var inputChannels: Int { kernel.shape[2] }
    public var depthMultiplier: Int { kernel.shape[3] }
    public var outputChannels: Int { inputChannels * depthMultiplier }
    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[2] == inputChannels else {
            throw EngineError.shapeMismatch(what: "input of DepthwiseConv2D '\(name)'",
                                            expected: [-1, -1, inputChannels], actual: inputShape)
        }
        let rows = AxisGeometry(input: inputShape[0], kernel: geometry.kernelHeight, stride: geometry.strideY,
                                dilation: geometry.dilationY, padding: geometry.padding)
        let columns = AxisGeometry(input: inputShape[1], kernel: geometry.kernelWidth, stride: geometry.strideX,
                                   dilation: geometry.dilationX, padding: geometry.padding)
        guard rows.output > 0, columns.output > 0 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "input \(inputShape) is smaller than the kernel")
        }
        return [rows.output, columns.output, outputChannels]
    }

    private func sizes(for inputShape: [Int], border: ZeroBorder = .none) -> ConvolutionSizes {
        ConvolutionSizes(batch: inputShape[0], height: inputShape[1], width: inputShape[2],
                         inputChannels: inputChannels, outputChannels: outputChannels, geometry: geometry, border: border)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: absorbedBorder.padded(Array(input.shape.dropFirst())))
        let sizes = sizes(for: input.shape, border: absorbedBorder)
        savedInput = training ? input : nil
        var output = Tensor(shape: [input.shape[0]] + shape) { _ in }  // both kernels write every element
        if !(training && isTrainable),
           let convolution = oneDNN.convolution(sizes: sizes, kernel: kernel, bias: self.bias, epilogue: epilogue,
                                                border: absorbedBorder, hasResidual: false, depthwise: true) {
            try convolution.run(input: input, output: &output, layer: name)
            return output
        }
        // A fused epilogue already holds the bias.
        let bias: Tensor? = epilogue == nil ? self.bias?.value : nil
        input.withPointer { x in
            kernel.value.withPointer { w in
                bias.withPointer { b in
                    output.withMutablePointer { y in
                        depthwiseConv2dForward(input: x, kernel: w, bias: b, output: y, sizes: sizes, epilogue: epilogue)
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let input = savedInput else { throw EngineError.notTrainedForward(layer: name) }
        let expected = [input.shape[0]] + (try outputShape(for: Array(input.shape.dropFirst())))
        guard outputGradient.shape == expected else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: expected, actual: outputGradient.shape)
        }
        let sizes = sizes(for: input.shape)
        var inputGrad: Tensor? = inputGradient ? Tensor(zeros: input.shape) : nil
        withBackwardPointers(input: input, outputGradient: outputGradient, inputGradient: &inputGrad) { x, w, dy, dw, db, dx in
            depthwiseConv2dBackward(input: x, kernel: w, outputGradient: dy, kernelGradient: dw,
                                    biasGradient: db, inputGradient: dx, sizes: sizes)
        }
        return inputGrad
    }
}

/// output (N, OH, OW, C·M) = depthwise conv(input (N, H, W, C), kernel (KH, KW, C, M)) + bias;
/// `sizes.outputChannels` is C·M. An epilogue is applied to each output row right after it is computed.
public func depthwiseConv2dForward(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                   output: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes,
                                   epilogue: ConvolutionEpilogue? = nil) {
    let (height, width, channels) = (sizes.height, sizes.width, sizes.inputChannels)
    let (outHeight, outWidth, outChannels) = (sizes.outputHeight, sizes.outputWidth, sizes.outputChannels)
    let multiplier = outChannels / channels
    let g = sizes.geometry
    let kernelRow = g.kernelWidth * outChannels
    let source = SendableConstPointer(input)
    let weights = SendableConstPointer(kernel)
    let offsets = bias.map { SendableConstPointer($0) }
    let target = SendablePointer(output)
    // Each chunk owns whole output rows.
    parallelChunks(sizes.batch * outHeight) { range in
        for item in range {
            let n = item / outHeight
            let oy = item % outHeight
            let top = oy * g.strideY - sizes.padTop
            let tapsY = validTapRange(start: top, kernel: g.kernelHeight, dilation: g.dilationY, extent: height)
            let sample = source.base + n * height * width * channels
            let outRow = target.base + item * outWidth * outChannels
            // Columns whose window lies inside the image take the register-blocked path.
            var interior = 0..<0
            if multiplier == 1 {
                let first = (sizes.padLeft + g.strideX - 1) / g.strideX
                let reach = (g.kernelWidth - 1) * g.dilationX
                let lastLeft = width - 1 - reach + sizes.padLeft
                let last = lastLeft >= 0 ? min(outWidth - 1, lastLeft / g.strideX) : -1
                if first <= last { interior = first..<(last + 1) }
                if g.kernelHeight == 3 && g.kernelWidth == 3 && g.dilationX == 1 && g.dilationY == 1 && tapsY == 0..<3 {
                    depthwise3x3InteriorRow(sample: sample, weights: weights.base, bias: offsets?.base, output: outRow,
                                            columns: interior, top: top, width: width, channels: channels, geometry: g,
                                            padLeft: sizes.padLeft)
                } else {
                    depthwiseInteriorRow(sample: sample, weights: weights.base, bias: offsets?.base, output: outRow,
                                         columns: interior, top: top, tapsY: tapsY, width: width, channels: channels,
                                         geometry: g, padLeft: sizes.padLeft)
                }
            }
            for ox in 0..<outWidth where !interior.contains(ox) {
                let left = ox * g.strideX - sizes.padLeft
                let tapsX = validTapRange(start: left, kernel: g.kernelWidth, dilation: g.dilationX, extent: width)
                let y = outRow + ox * outChannels
                if let offsets {
                    y.update(from: offsets.base, count: outChannels)
                } else {
                    y.update(repeating: 0, count: outChannels)
                }
                for ky in tapsY {
                    let inRow = sample + (top + ky * g.dilationY) * width * channels
                    let wRow = weights.base + ky * kernelRow
                    for kx in tapsX {
                        let x = inRow + (left + kx * g.dilationX) * channels
                        let w = wRow + kx * outChannels
                        accumulateDepthwiseTap(into: y, input: x, times: w, channels: channels, multiplier: multiplier)
                    }
                }
            }
            epilogue?.apply(to: outRow, rows: outWidth)
        }
    }
}

/// target[c·M + m] += input[c] · other[c·M + m] for one kernel tap: an output pixel's sums in
/// the forward pass (other = the tap's weights), a tap's kernel gradient in the backward pass
/// (other = the output gradient).
@inline(__always)
func accumulateDepthwiseTap(into target: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                            times other: UnsafePointer<Float>, channels: Int, multiplier: Int) {
    if multiplier == 1 {
        for c in 0..<channels { target[c] += input[c] * other[c] }
        return
    }
    for c in 0..<channels {
        let v = input[c]
        let t = target + c * multiplier
        let o = other + c * multiplier
        for m in 0..<multiplier { t[m] += v * o[m] }
    }
}

// The SIMD sums below are written `sum += x * w`, not `sum.addProduct(x, w)`: without
// `-target-cpu` flags Swift lowers the fused form to a libm `fmaf` call per lane (a plain
// `swift build -c release` ran EfficientNet-Lite0 at 24 instead of 141 images/s, measured),
// and with them the two run at the same speed here, where loads are the bound.

/// The interior pixels of one output row of the common 3×3 case: for each group of 16
/// channels the nine weight vectors stay in registers across the whole row, so each
/// multiply-add loads only its input vector.
@inline(__always)
func depthwise3x3InteriorRow(sample: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             output: UnsafeMutablePointer<Float>, columns: Range<Int>, top: Int, width: Int,
                             channels: Int, geometry g: ConvolutionGeometry, padLeft: Int) {
    typealias V = SIMD16<Float>
    let row = width * channels
    var c = 0
    while c + 16 <= channels {
        func w(_ tap: Int) -> V { UnsafeRawPointer(weights + tap * channels + c).loadUnaligned(as: V.self) }
        let (w0, w1, w2, w3, w4, w5, w6, w7, w8) = (w(0), w(1), w(2), w(3), w(4), w(5), w(6), w(7), w(8))
        let b = bias.map { UnsafeRawPointer($0 + c).loadUnaligned(as: V.self) } ?? .zero
        for ox in columns {
            let base = sample + (top * width + ox * g.strideX - padLeft) * channels + c
            func x(_ offset: Int) -> V { UnsafeRawPointer(base + offset).loadUnaligned(as: V.self) }
            var sum = b
            sum += x(0) * w0
            sum += x(channels) * w1
            sum += x(2 * channels) * w2
            sum += x(row) * w3
            sum += x(row + channels) * w4
            sum += x(row + 2 * channels) * w5
            sum += x(2 * row) * w6
            sum += x(2 * row + channels) * w7
            sum += x(2 * row + 2 * channels) * w8
            UnsafeMutableRawPointer(output + ox * channels + c).storeBytes(of: sum, as: V.self)
        }
        c += 16
    }
    guard c < channels else { return }
    // The remaining channels (fewer than 16) take the per-pixel path.
    for ox in columns {
        depthwiseInteriorPixelTail(sample: sample, weights: weights, bias: bias, output: output + ox * channels,
                                   left: ox * g.strideX - padLeft, top: top, width: width, channels: channels, from: c)
    }
}

/// Channels `from..<channels` of one interior 3×3 pixel.
@inline(__always)
func depthwiseInteriorPixelTail(sample: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                output: UnsafeMutablePointer<Float>, left: Int, top: Int, width: Int, channels: Int, from: Int) {
    for c in from..<channels {
        var sum = bias?[c] ?? 0
        for ky in 0..<3 {
            let inRow = sample + ((top + ky) * width + left) * channels + c
            for kx in 0..<3 { sum += inRow[kx * channels] * weights[(ky * 3 + kx) * channels + c] }
        }
        output[c] = sum
    }
}

/// The interior pixels of one output row for any kernel size (depth multiplier 1): four
/// output pixels at a time share each weight vector load, and their sums stay in SIMD
/// registers until stored once, so a multiply-add costs 1.25 loads instead of 2 (the
/// 5×5 layers of EfficientNet were bound by loads).
@inline(__always)
func depthwiseInteriorRow(sample: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, columns: Range<Int>, top: Int, tapsY: Range<Int>,
                          width: Int, channels: Int, geometry g: ConvolutionGeometry, padLeft: Int) {
    typealias V = SIMD16<Float>
    let kernelRow = g.kernelWidth * channels
    let pixelStep = g.strideX * channels
    let tapStep = g.dilationX * channels
    func load(_ pointer: UnsafePointer<Float>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
    func store(_ value: V, _ pointer: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: V.self) }
    var c = 0
    while c + 16 <= channels {
        let b = bias.map { load($0 + c) } ?? .zero
        var ox = columns.lowerBound
        while ox + 4 <= columns.upperBound {
            var (s0, s1, s2, s3) = (b, b, b, b)
            for ky in tapsY {
                let x = sample + ((top + ky * g.dilationY) * width + ox * g.strideX - padLeft) * channels + c
                let w = weights + ky * kernelRow + c
                for kx in 0..<g.kernelWidth {
                    let wv = load(w + kx * channels)
                    let xk = x + kx * tapStep
                    s0 += load(xk) * wv
                    s1 += load(xk + pixelStep) * wv
                    s2 += load(xk + 2 * pixelStep) * wv
                    s3 += load(xk + 3 * pixelStep) * wv
                }
            }
            let y = output + ox * channels + c
            store(s0, y)
            store(s1, y + channels)
            store(s2, y + 2 * channels)
            store(s3, y + 3 * channels)
            ox += 4
        }
        while ox < columns.upperBound {
            var sum = b
            for ky in tapsY {
                let x = sample + ((top + ky * g.dilationY) * width + ox * g.strideX - padLeft) * channels + c
                let w = weights + ky * kernelRow + c
                for kx in 0..<g.kernelWidth { sum += load(x + kx * tapStep) * load(w + kx * channels) }
            }
            store(sum, output + ox * channels + c)
            ox += 1
        }
        c += 16
    }
    guard c < channels else { return }
    // The remaining channels (fewer than 16), one pixel at a time.
    for ox in columns {
        for channel in c..<channels {
            var sum = bias?[channel] ?? 0
            for ky in tapsY {
                let x = sample + ((top + ky * g.dilationY) * width + ox * g.strideX - padLeft) * channels + channel
                let w = weights + ky * kernelRow + channel
                for kx in 0..<g.kernelWidth { sum += x[kx * tapStep] * w[kx * channels] }
            }
            output[ox * channels + channel] = sum
        }
    }
}

/// Accumulates kernelGradient and biasGradient; writes inputGradient. A nil gradient is skipped.
public func depthwiseConv2dBackward(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                                    outputGradient: UnsafePointer<Float>,
                                    kernelGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                                    inputGradient: UnsafeMutablePointer<Float>?, sizes: ConvolutionSizes) {
    if let inputGradient {
        depthwiseConv2dInputGradient(kernel: kernel, outputGradient: outputGradient, inputGradient: inputGradient, sizes: sizes)
    }
    if kernelGradient != nil || biasGradient != nil {
        depthwiseConv2dParameterGradients(input: input, outputGradient: outputGradient, kernelGradient: kernelGradient,
                                          biasGradient: biasGradient, sizes: sizes)
    }
}

/// inputGradient (written), gathered per input row from the output rows whose windows
/// cover it, so that threads own disjoint input rows and need no atomics.
func depthwiseConv2dInputGradient(kernel: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                  inputGradient: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes) {
    let (height, width, channels) = (sizes.height, sizes.width, sizes.inputChannels)
    let (outHeight, outWidth, outChannels) = (sizes.outputHeight, sizes.outputWidth, sizes.outputChannels)
    let multiplier = outChannels / channels
    let g = sizes.geometry
    let kernelRow = g.kernelWidth * outChannels
    let weights = SendableConstPointer(kernel)
    let upstream = SendableConstPointer(outputGradient)
    let target = SendablePointer(inputGradient)
    // Each chunk owns whole input rows of the input gradient.
    parallelChunks(sizes.batch * height) { range in
        for item in range {
            let n = item / height
            let iy = item % height
            let dxRow = target.base + item * width * channels
            dxRow.update(repeating: 0, count: width * channels)
            for ky in 0..<g.kernelHeight {
                // Output row oy covers iy through tap ky when oy·strideY − padTop + ky·dilationY = iy.
                let t = iy + sizes.padTop - ky * g.dilationY
                guard t >= 0, t % g.strideY == 0 else { continue }
                let oy = t / g.strideY
                guard oy < outHeight else { continue }
                let dyRow = upstream.base + (n * outHeight + oy) * outWidth * outChannels
                let wRow = weights.base + ky * kernelRow
                // Within its own row a thread may scatter freely: ix = ox·strideX + shift.
                for kx in 0..<g.kernelWidth {
                    let shift = kx * g.dilationX - sizes.padLeft
                    let columns = validTapRange(start: shift, kernel: outWidth, dilation: g.strideX, extent: width)
                    let w = wRow + kx * outChannels
                    for ox in columns {
                        let dx = dxRow + (ox * g.strideX + shift) * channels
                        let dy = dyRow + ox * outChannels
                        if multiplier == 1 {
                            for c in 0..<channels { dx[c] += dy[c] * w[c] }
                        } else {
                            for c in 0..<channels {
                                let dyc = dy + c * multiplier
                                let wc = w + c * multiplier
                                var sum: Float = 0
                                for m in 0..<multiplier { sum += dyc[m] * wc[m] }
                                dx[c] += sum
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Accumulates kernelGradient += Σ dY·x per tap and biasGradient += Σ dY. Each thread
/// sums a range of output rows into its own zeroed copy of the (small) gradients; the
/// copies are added in a fixed order, so results do not depend on thread timing.
func depthwiseConv2dParameterGradients(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                       kernelGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                                       sizes: ConvolutionSizes) {
    let (height, width, channels) = (sizes.height, sizes.width, sizes.inputChannels)
    let (outHeight, outWidth, outChannels) = (sizes.outputHeight, sizes.outputWidth, sizes.outputChannels)
    let multiplier = outChannels / channels
    let g = sizes.geometry
    let kernelRow = g.kernelWidth * outChannels
    let kernelCount = g.kernelHeight * kernelRow
    let stride = kernelCount + outChannels  // [kernel gradient | bias gradient] per part
    let rows = sizes.batch * outHeight
    let parts = max(1, min(Engine.threadCount, rows))
    let perPart = (rows + parts - 1) / parts
    let wantKernel = kernelGradient != nil
    let wantBias = biasGradient != nil
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: parts * stride)
    defer { partials.deallocate() }
    partials.initialize(repeating: 0, count: parts * stride)
    let shared = SendablePointer(partials)
    let source = SendableConstPointer(input)
    let upstream = SendableConstPointer(outputGradient)
    // Part p writes only partials[p·stride ..< (p+1)·stride].
    parallelChunks(parts) { partRange in
        for part in partRange {
            let dw = shared.base + part * stride
            let db = dw + kernelCount
            let end = min(rows, (part + 1) * perPart)
            for item in (part * perPart)..<max(part * perPart, end) {
                let n = item / outHeight
                let oy = item % outHeight
                let top = oy * g.strideY - sizes.padTop
                let tapsY = validTapRange(start: top, kernel: g.kernelHeight, dilation: g.dilationY, extent: height)
                let sample = source.base + n * height * width * channels
                let dyRow = upstream.base + item * outWidth * outChannels
                for ox in 0..<outWidth {
                    let dy = dyRow + ox * outChannels
                    if wantBias {
                        for j in 0..<outChannels { db[j] += dy[j] }
                    }
                    guard wantKernel else { continue }
                    let left = ox * g.strideX - sizes.padLeft
                    let tapsX = validTapRange(start: left, kernel: g.kernelWidth, dilation: g.dilationX, extent: width)
                    for ky in tapsY {
                        let inRow = sample + (top + ky * g.dilationY) * width * channels
                        let dwRow = dw + ky * kernelRow
                        for kx in tapsX {
                            let x = inRow + (left + kx * g.dilationX) * channels
                            let dwTap = dwRow + kx * outChannels
                            accumulateDepthwiseTap(into: dwTap, input: x, times: dy, channels: channels, multiplier: multiplier)
                        }
                    }
                }
            }
        }
    }
    for part in 0..<parts {
        let partial = partials + part * stride
        if let kernelGradient {
            for j in 0..<kernelCount { kernelGradient[j] += partial[j] }
        }
        if let biasGradient {
            for j in 0..<outChannels { biasGradient[j] += partial[kernelCount + j] }
        }
    }
}
