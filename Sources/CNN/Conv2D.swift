/// Keras `Conv2D` in NHWC with an HWIO kernel (KH, KW, Cin, Cout): any kernel
/// size, strides, dilation, `valid`/`same` padding (TensorFlow's rule), optional bias.
///
/// Computed as im2col + GEMM: the kernel is already the (KH·KW·Cin, Cout) matrix
/// the GEMM wants, so loading Keras weights needs no transposition. A 1×1 stride-1
/// convolution is a GEMM of the input itself, without packing.
public final class Conv2D: UnaryLayer {
    public let name: String
    public let geometry: ConvolutionGeometry
    public let kernel: Parameter
    public let bias: Parameter?
    public var isTrainable = true { didSet { applyTrainable() } }
    /// A following batch normalization and activation, applied to each output chunk
    /// while it is in cache (set by `Graph.fuseForInference()`, inference only).
    public internal(set) var epilogue: ConvolutionEpilogue?
    /// A preceding `ZeroPadding2D` read as implicit zeros instead of a padded copy of the
    /// input (set by `Graph.fuseForInference()`, inference only).
    public internal(set) var absorbedBorder: ZeroBorder = .none
    private var savedInput: Tensor?
    /// The kernel in Winograd's domain, for the kernel version it was computed from.
    private var winogradKernel: (version: Int, values: [Float])?
    private var oneDNN = OneDNNPrimitives()
    /// The oneDNN kernels this layer has run, e.g. "brgconv:avx512_core" (empty: only the engine's own).
    public var oneDNNImplementations: [String] { oneDNN.implementations }
    var oneDNNWeightCopies: Int { oneDNN.weightCopies }

    public init(name: String, inputChannels: Int, filters: Int, kernelSize: (Int, Int),
                strides: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1),
                padding: Padding = .valid, useBias: Bool = true, kernelName: String = "kernel") throws {
        self.name = name
        geometry = ConvolutionGeometry(kernelHeight: kernelSize.0, kernelWidth: kernelSize.1,
                                       strideY: strides.0, strideX: strides.1,
                                       dilationY: dilation.0, dilationX: dilation.1, padding: padding)
        try geometry.validate(layer: name)
        kernel = Parameter(name: kernelName, value: Tensor(zeros: [kernelSize.0, kernelSize.1, inputChannels, filters]))
        bias = useBias ? Parameter(name: "bias", value: Tensor(zeros: [filters]), role: .bias) : nil
    }

    public var inputChannels: Int { kernel.shape[2] }
    public var filters: Int { kernel.shape[3] }
    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[2] == inputChannels else {
            throw EngineError.shapeMismatch(what: "input of Conv2D '\(name)'", expected: [-1, -1, inputChannels], actual: inputShape)
        }
        let rows = AxisGeometry(input: inputShape[0], kernel: geometry.kernelHeight, stride: geometry.strideY,
                                dilation: geometry.dilationY, padding: geometry.padding)
        let columns = AxisGeometry(input: inputShape[1], kernel: geometry.kernelWidth, stride: geometry.strideX,
                                   dilation: geometry.dilationX, padding: geometry.padding)
        guard rows.output > 0, columns.output > 0 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "input \(inputShape) is smaller than the kernel")
        }
        return [rows.output, columns.output, filters]
    }

    /// One input, or two when a residual sum was fused into this convolution (the graph
    /// passes the other branch's output second).
    public func forward(_ inputs: consuming [Tensor], training: Bool) throws -> Tensor {
        let expected = epilogue?.residualSource == nil ? 1 : 2
        guard inputs.count == expected else {
            throw EngineError.invalidConfiguration(layer: name, reason: "expects \(expected) input(s), got \(inputs.count)")
        }
        let residual = inputs.count == 2 ? inputs.removeLast() : nil
        return try forward(inputs[0], residual: consume residual, training: training)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard epilogue?.residualSource == nil else {
            throw EngineError.invalidConfiguration(layer: name, reason: "a fused residual sum needs its second input")
        }
        return try forward(input, residual: nil, training: training)
    }

    private func forward(_ input: Tensor, residual: consuming Tensor?, training: Bool) throws -> Tensor {
        let shape = try [input.shape[0]] + outputShape(for: absorbedBorder.padded(Array(input.shape.dropFirst())))
        if let residual, residual.shape != shape {
            throw EngineError.shapeMismatch(what: "residual input of '\(name)'", expected: shape, actual: residual.shape)
        }
        let sizes = ConvolutionSizes(batch: input.shape[0], height: input.shape[1], width: input.shape[2],
                                     inputChannels: inputChannels, outputChannels: filters, geometry: geometry,
                                     border: absorbedBorder)
        savedInput = training ? input : nil
        // For inference and frozen layers: Winograd where it applies and beats oneDNN's direct
        // 3×3 kernels (2.25× fewer multiplications; ResNet50 at batch 32 +4%, BENCHMARKS.md),
        // else oneDNN, else Winograd where it beats im2col. A layer being trained takes Winograd
        // where it beats im2col (its kernel transformed once per step, reused by `backward`).
        let trained = training && isTrainable
        let winograd = Engine.usesWinograd && Winograd.applies(to: sizes)
        if !trained && !(winograd && Winograd.beatsDirectKernels(sizes)),
           let convolution = oneDNN.convolution(sizes: sizes, kernel: kernel, bias: bias, epilogue: epilogue,
                                                border: absorbedBorder, hasResidual: residual != nil, depthwise: false) {
            // oneDNN adds the residual the output already holds: the residual's own storage
            // when the graph handed over its last reference, else copy-on-write's copy of it.
            var output = (consume residual) ?? Tensor(shape: shape) { _ in }  // the kernel writes every element
            try convolution.run(input: input, output: &output, layer: name)
            return output
        }
        var output = Tensor(shape: shape) { _ in }  // the kernels write every element
        let transformed = winograd ? transformedKernel() : nil
        // A fused epilogue already holds the bias.
        let bias: Tensor? = epilogue == nil ? self.bias?.value : nil
        input.withPointer { x in
            bias.withPointer { b in
                residual.withPointer { r in
                    output.withMutablePointer { y in
                        if let transformed {
                            transformed.withUnsafeBufferPointer { u in
                                Winograd.forward(input: x, transformedKernel: u.baseAddress!, bias: b, output: y, sizes: sizes,
                                                 epilogue: epilogue, residual: r)
                            }
                        } else {
                            kernel.value.withPointer { w in
                                conv2dForward(input: x, kernel: w, bias: b, output: y, sizes: sizes, epilogue: epilogue, residual: r)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    private func transformedKernel() -> [Float] {
        if let cached = winogradKernel, cached.version == kernel.version { return cached.values }
        let values = kernel.value.withPointer { w in
            Winograd.transformKernel(w, inputChannels: inputChannels, outputChannels: filters)
        }
        winogradKernel = (kernel.version, values)
        return values
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let input = savedInput else { throw EngineError.notTrainedForward(layer: name) }
        let sizes = ConvolutionSizes(batch: input.shape[0], height: input.shape[1], width: input.shape[2],
                                     inputChannels: inputChannels, outputChannels: filters, geometry: geometry)
        // Where Winograd applies, the kernel gradient through the forward pass's tiling, and the
        // input gradient of a `same` layer with the kernel transformed for this step's forward
        // pass; the rest (and the bias gradient) through im2col + GEMM.
        let kernelByWinograd = Engine.usesWinograd && Winograd.applies(to: sizes)
        let inputByWinograd = inputGradient && Engine.usesWinograd && Winograd.appliesToInputGradient(of: sizes)
        // Both paths write every element (conv2dBackward zeroes before col2im's scatter-adds).
        var inputGrad: Tensor? = inputGradient ? Tensor(shape: input.shape) { _ in } : nil
        withBackwardPointers(input: input, outputGradient: outputGradient, inputGradient: &inputGrad) { x, w, dy, dw, db, dx in
            conv2dBackward(input: x, kernel: w, outputGradient: dy, kernelGradient: kernelByWinograd ? nil : dw,
                           biasGradient: db, inputGradient: inputByWinograd ? nil : dx, sizes: sizes)
            if kernelByWinograd, let dw {
                Winograd.accumulateKernelGradient(input: x, outputGradient: dy, into: dw, sizes: sizes)
            }
            if inputByWinograd, let dx {
                transformedKernel().withUnsafeBufferPointer { u in
                    Winograd.forward(input: dy, transformedKernel: u.baseAddress!, bias: nil, output: dx,
                                     sizes: Winograd.inputGradientSizes(of: sizes), epilogue: nil, residual: nil,
                                     flippedTransposedKernel: true)
                }
            }
        }
        return inputGrad
    }
}
