import CDNNL

/// oneDNN (Debian's libdnnl, JIT kernels chosen at run time for the CPU) for convolutions
/// that are not being trained. Measured against the engine's own im2col + OpenBLAS on the
/// mobile networks (BENCHMARKS.md), its direct 1×1, depthwise and stem kernels with the
/// batch normalization, activation and residual sum applied in registers are 1.2–1.8×
/// faster per layer; training keeps the engine's kernels, whose backward passes are
/// gradient-checked.
public enum OneDNN {
    /// The CPU engine and an in-order stream; nil when oneDNN cannot create them.
    nonisolated(unsafe) static let context: (engine: dnnl_engine_t, stream: dnnl_stream_t)? = {
        var engine: dnnl_engine_t?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success, let engine else { return nil }
        var stream: dnnl_stream_t?
        guard dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)) == dnnl_success,
              let stream else { return nil }
        return (engine, stream)
    }()

    /// Dimensions as oneDNN takes them (a fixed array of 12).
    static func dims(_ values: [Int]) -> dnnl_dims_t {
        var result: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &result) { raw in
            let slots = raw.bindMemory(to: Int64.self)
            for (index, value) in values.enumerated() { slots[index] = Int64(value) }
        }
        return result
    }

    static func memoryDescriptor(_ shape: [Int], tag: dnnl_format_tag_t) -> dnnl_memory_desc_t? {
        var descriptor = dnnl_memory_desc_t()
        var sizes = dims(shape)
        let status = withUnsafePointer(to: &sizes) { pointer in
            pointer.withMemoryRebound(to: Int64.self, capacity: 12) {
                dnnl_memory_desc_init_by_tag(&descriptor, Int32(shape.count), $0, dnnl_f32, tag)
            }
        }
        return status == dnnl_success ? descriptor : nil
    }
}

/// One oneDNN convolution primitive for fixed input sizes, with the layer's epilogue
/// (scale folded into the weights, shift as the bias, then sum and ReLU/ReLU6 post-ops).
/// Its weights (`OneDNNWeights`) are in the layout the primitive chose.
final class OneDNNConvolution {
    /// What the primitive was built for; a different key needs a new primitive.
    struct Key: Equatable {
        var batch, height, width: Int
        var border: ZeroBorder
        var activation: ActivationKind
        var hasResidual: Bool
    }

    let key: Key
    /// The implementation oneDNN chose, e.g. "brgconv_1x1:avx512_core".
    let implementation: String
    private let primitive: dnnl_primitive_t
    private let primitiveDescriptor: dnnl_primitive_desc_t
    private let source: dnnl_memory_t
    private let destination: dnnl_memory_t
    /// Shared with the layer's other primitives when they chose the same weight layout.
    let weights: OneDNNWeights
    /// The same four memory objects on every run; only their buffers change.
    private let arguments: [dnnl_exec_arg_t]

    /// nil when oneDNN has no optimized kernel for this configuration (only its reference
    /// implementation, which is slower than the engine's own), or cannot build one.
    /// `depthwise` gives the kernel as (KH, KW, C, M); otherwise it is HWIO.
    /// `reusable`: weights of the layer's other primitives, taken over when this one chose the
    /// same layout (a second batch size then costs no second copy of the weights).
    init?(key: Key, sizes: ConvolutionSizes, depthwise: Bool, reusable: [OneDNNWeights] = []) {
        guard let context = OneDNN.context else { return nil }
        self.key = key
        let g = sizes.geometry
        let cin = sizes.inputChannels, cout = sizes.outputChannels
        // oneDNN's padding on the far side: what makes its output size equal TensorFlow's
        // (floor division absorbs input rows no window reaches).
        let reachY = (g.kernelHeight - 1) * g.dilationY + 1, reachX = (g.kernelWidth - 1) * g.dilationX + 1
        let padBottom = max(0, (sizes.outputHeight - 1) * g.strideY + reachY - sizes.height - sizes.padTop)
        let padRight = max(0, (sizes.outputWidth - 1) * g.strideX + reachX - sizes.width - sizes.padLeft)
        guard (sizes.height + sizes.padTop + padBottom - reachY) / g.strideY + 1 == sizes.outputHeight,
              (sizes.width + sizes.padLeft + padRight - reachX) / g.strideX + 1 == sizes.outputWidth else { return nil }

        let weightShape = depthwise
            ? [cin, cout / cin, 1, g.kernelHeight, g.kernelWidth]
            : [cout, cin, g.kernelHeight, g.kernelWidth]
        guard let sourceDescriptor = OneDNN.memoryDescriptor([sizes.batch, cin, sizes.height, sizes.width], tag: dnnl_nhwc),
              let destinationDescriptor = OneDNN.memoryDescriptor(
                [sizes.batch, cout, sizes.outputHeight, sizes.outputWidth], tag: dnnl_nhwc),
              let anyWeights = OneDNN.memoryDescriptor(weightShape, tag: dnnl_format_tag_any),
              let biasDescriptor = OneDNN.memoryDescriptor([cout], tag: dnnl_x) else { return nil }

        var operation = dnnl_convolution_desc_t()
        var (src, wei, bia, dst) = (sourceDescriptor, anyWeights, biasDescriptor, destinationDescriptor)
        var strides = OneDNN.dims([g.strideY, g.strideX])
        var dilates = OneDNN.dims([g.dilationY - 1, g.dilationX - 1])
        var padBefore = OneDNN.dims([sizes.padTop, sizes.padLeft])
        var padAfter = OneDNN.dims([padBottom, padRight])
        let operationDescribed = withDimPointers(&strides, &dilates, &padBefore, &padAfter) { s, d, l, r in
            dnnl_dilated_convolution_forward_desc_init(&operation, dnnl_forward_inference, dnnl_convolution_direct,
                                                       &src, &wei, &bia, &dst, s, d, l, r)
        }
        guard operationDescribed == dnnl_success else { return nil }
        // The residual is already in the output (see `run`): the sum post-op adds what the
        // output holds. A binary-add post-op reading the residual from its own buffer made
        // oneDNN 2.6 pick its older jit_1x1 kernels instead of brgconv_1x1: ResNet50 2–6% slower.
        func describe() -> dnnl_primitive_desc_t? {
            var postOps: dnnl_post_ops_t?
            var attributes: dnnl_primitive_attr_t?
            guard dnnl_post_ops_create(&postOps) == dnnl_success, let postOps else { return nil }
            defer { dnnl_post_ops_destroy(postOps) }
            guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes else { return nil }
            defer { dnnl_primitive_attr_destroy(attributes) }
            if key.hasResidual {
                guard dnnl_post_ops_append_sum(postOps, 1) == dnnl_success else { return nil }
            }
            switch key.activation {
            case .linear: break
            case .relu: guard dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0) == dnnl_success else { return nil }
            case .relu6: guard dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_clip, 0, 6) == dnnl_success else { return nil }
            default: return nil
            }
            guard dnnl_primitive_attr_set_post_ops(attributes, postOps) == dnnl_success else { return nil }
            var descriptor: dnnl_primitive_desc_t?
            let created = withUnsafeMutablePointer(to: &operation) {
                dnnl_primitive_desc_create(&descriptor, UnsafeRawPointer($0), attributes, context.engine, nil)
            }
            return created == dnnl_success ? descriptor : nil
        }
        func implementationName(_ descriptor: dnnl_primitive_desc_t) -> String {
            var info: UnsafePointer<CChar>?
            dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &info)
            return info.map { String(cString: $0) } ?? "unknown"
        }
        guard let descriptor = describe() else { return nil }
        implementation = implementationName(descriptor)
        // oneDNN's reference kernels are plain loops, slower than the engine's own.
        guard !implementation.hasPrefix("ref") else {
            dnnl_primitive_desc_destroy(descriptor)
            return nil
        }
        var primitive: dnnl_primitive_t?
        let chosenWeights = dnnl_primitive_desc_query_md(descriptor, dnnl_query_weights_md, 0)!
        guard dnnl_primitive_create(&primitive, descriptor) == dnnl_success, let primitive,
              let weights = reusable.first(where: { $0.hasLayout(chosenWeights) })
                ?? OneDNNWeights(layout: chosenWeights, userShape: weightShape, depthwise: depthwise, context: context) else {
            dnnl_primitive_desc_destroy(descriptor)
            return nil
        }
        primitiveDescriptor = descriptor
        self.primitive = primitive
        self.weights = weights
        var (sourceMemory, destinationMemory): (dnnl_memory_t?, dnnl_memory_t?)
        dnnl_memory_create(&sourceMemory, &src, context.engine, nil)
        dnnl_memory_create(&destinationMemory, &dst, context.engine, nil)
        // Memory objects without a buffer cannot fail to be created for valid descriptors.
        source = sourceMemory!
        destination = destinationMemory!
        arguments = [dnnl_exec_arg_t(arg: tl_dnnl_arg_src, memory: source),
                     dnnl_exec_arg_t(arg: tl_dnnl_arg_weights, memory: weights.memory),
                     dnnl_exec_arg_t(arg: tl_dnnl_arg_bias, memory: weights.biasMemory),
                     dnnl_exec_arg_t(arg: tl_dnnl_arg_dst, memory: destination)]
    }

    deinit {
        dnnl_memory_destroy(source)
        dnnl_memory_destroy(destination)
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(primitiveDescriptor)
    }

    /// Runs the convolution into `output`, which holds the residual when the key has one: the
    /// sum post-op adds into it. Throws, naming `layer`, when oneDNN reports an error: the output
    /// (perhaps the residual's storage) is then partly written, so nothing can fall back.
    func run(input: Tensor, output: inout Tensor, layer: String) throws {
        let succeeded = input.withPointer { x in
            output.withMutablePointer { y in
                guard let context = OneDNN.context else { return false }
                dnnl_memory_set_data_handle(source, UnsafeMutableRawPointer(mutating: x))
                dnnl_memory_set_data_handle(destination, y)
                OneDNN.setThreads()
                return dnnl_primitive_execute(primitive, context.stream, Int32(arguments.count), arguments) == dnnl_success
                    && dnnl_stream_wait(context.stream) == dnnl_success
            }
        }
        guard succeeded else {
            throw EngineError.invalidConfiguration(layer: layer, reason: "oneDNN failed to run the convolution")
        }
    }
}

/// A convolution's weights in the layout its primitive chose, and its bias, with the epilogue
/// folded in: kernel × scale per output channel, bias = shift (or the layer's bias); reordered
/// from the layer's kernel once per kernel version.
final class OneDNNWeights {
    /// What the prepared weights were computed from.
    struct Source: Equatable {
        var kernelVersion: Int
        var biasVersion: Int
        var scale: [Float]?
        var shift: [Float]?
    }

    let memory: dnnl_memory_t
    let biasMemory: dnnl_memory_t
    private let storage: UnsafeMutableRawPointer
    private let biasStorage: UnsafeMutableBufferPointer<Float>
    private let userLayout: dnnl_memory_desc_t
    private var layout: dnnl_memory_desc_t
    private let context: (engine: dnnl_engine_t, stream: dnnl_stream_t)
    private var preparedFrom: Source?

    /// `userShape` is oneDNN's (O, I, KH, KW), or (G, O/G, I/G, KH, KW) for a depthwise kernel,
    /// which the layer stores as HWIO, or (KH, KW, C, M).
    init?(layout: UnsafePointer<dnnl_memory_desc_t>, userShape: [Int], depthwise: Bool,
          context: (engine: dnnl_engine_t, stream: dnnl_stream_t)) {
        let channels = depthwise ? userShape[0] * userShape[1] : userShape[0]
        guard let user = OneDNN.memoryDescriptor(userShape, tag: depthwise ? dnnl_hwigo : dnnl_hwio),
              var biasDescriptor = OneDNN.memoryDescriptor([channels], tag: dnnl_x) else { return nil }
        userLayout = user
        self.layout = layout.pointee
        self.context = context
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(64, dnnl_memory_desc_get_size(layout)), alignment: 64)
        biasStorage = .allocate(capacity: channels)
        biasStorage.initialize(repeating: 0)
        var (weightMemory, biasMemory): (dnnl_memory_t?, dnnl_memory_t?)
        dnnl_memory_create(&weightMemory, layout, context.engine, storage)
        dnnl_memory_create(&biasMemory, &biasDescriptor, context.engine, biasStorage.baseAddress)
        // Memory objects over a buffer cannot fail to be created for valid descriptors.
        memory = weightMemory!
        self.biasMemory = biasMemory!
    }

    deinit {
        dnnl_memory_destroy(memory)
        dnnl_memory_destroy(biasMemory)
        storage.deallocate()
        biasStorage.deallocate()
    }

    func hasLayout(_ other: UnsafePointer<dnnl_memory_desc_t>) -> Bool {
        dnnl_memory_desc_equal(&layout, other) == 1
    }

    /// Brings the weights up to date; a no-op when nothing changed.
    func prepare(kernel: Parameter, bias layerBias: Parameter?, epilogue: ConvolutionEpilogue?) -> Bool {
        let wanted = Source(kernelVersion: kernel.version, biasVersion: layerBias?.version ?? -1,
                            scale: epilogue?.scale, shift: epilogue?.shift)
        if wanted == preparedFrom { return true }
        preparedFrom = nil
        let channels = biasStorage.count
        var scaled = kernel.value.scalars
        if let scale = epilogue?.scale {
            // HWIO and (KH, KW, C, M) both have the output channel innermost.
            for index in scaled.indices { scaled[index] *= scale[index % channels] }
        }
        if let shift = epilogue?.shift {
            for c in 0..<channels { biasStorage[c] = shift[c] }
        } else if let values = layerBias?.value.scalars {
            for c in 0..<channels { biasStorage[c] = values[c] }
        } else {
            biasStorage.update(repeating: 0)
        }
        let reordered: Bool = scaled.withUnsafeMutableBytes { raw in
            var user = userLayout
            var userMemory: dnnl_memory_t?
            guard dnnl_memory_create(&userMemory, &user, context.engine, raw.baseAddress) == dnnl_success,
                  let userMemory else { return false }
            defer { dnnl_memory_destroy(userMemory) }
            var reorderDescriptor: dnnl_primitive_desc_t?
            guard dnnl_reorder_primitive_desc_create(&reorderDescriptor, &user, context.engine, &layout, context.engine, nil)
                    == dnnl_success, let reorderDescriptor else { return false }
            defer { dnnl_primitive_desc_destroy(reorderDescriptor) }
            var reorder: dnnl_primitive_t?
            guard dnnl_primitive_create(&reorder, reorderDescriptor) == dnnl_success, let reorder else { return false }
            defer { dnnl_primitive_destroy(reorder) }
            let arguments = [dnnl_exec_arg_t(arg: tl_dnnl_arg_from, memory: userMemory),
                             dnnl_exec_arg_t(arg: tl_dnnl_arg_to, memory: memory)]
            OneDNN.setThreads()
            guard dnnl_primitive_execute(reorder, context.stream, Int32(arguments.count), arguments) == dnnl_success else {
                return false
            }
            return dnnl_stream_wait(context.stream) == dnnl_success
        }
        if reordered { preparedFrom = wanted }
        return reordered
    }
}

extension OneDNN {
    /// "oneDNN 2.6.3", or why it is not in use.
    public static var summary: String {
        guard Engine.usesOneDNN else { return "oneDNN off" }
        guard context != nil else { return "oneDNN unavailable (no CPU engine)" }
        let version = dnnl_version().pointee
        return "oneDNN \(version.major).\(version.minor).\(version.patch)"
    }

    /// oneDNN's OpenMP threads follow the engine's thread count (set per call: it is a
    /// per-thread setting, and the calling thread may differ between calls).
    static func setThreads() {
        omp_set_num_threads(Int32(Engine.threadCount))
    }
}

private func withDimPointers<R>(_ a: inout dnnl_dims_t, _ b: inout dnnl_dims_t, _ c: inout dnnl_dims_t,
                                _ d: inout dnnl_dims_t,
                                _ body: (UnsafePointer<Int64>, UnsafePointer<Int64>, UnsafePointer<Int64>,
                                         UnsafePointer<Int64>) -> R) -> R {
    func rebound<T>(_ dims: UnsafeMutablePointer<dnnl_dims_t>, _ use: (UnsafePointer<Int64>) -> T) -> T {
        dims.withMemoryRebound(to: Int64.self, capacity: 12) { use($0) }
    }
    return withUnsafeMutablePointer(to: &a) { pa in
        withUnsafeMutablePointer(to: &b) { pb in
            withUnsafeMutablePointer(to: &c) { pc in
                withUnsafeMutablePointer(to: &d) { pd in
                    rebound(pa) { x in rebound(pb) { y in rebound(pc) { z in rebound(pd) { w in body(x, y, z, w) } } } }
                }
            }
        }
    }
}

/// A layer's oneDNN primitives: one per input size it has met (in practice the batch size
/// and a last, partial batch), and the sizes oneDNN has no fast kernel for.
struct OneDNNPrimitives {
    /// Primitives for sizes met earlier; each may hold a copy of the weights in its own layout.
    static let capacity = 2
    private var built = [OneDNNConvolution]()
    private var refused = [OneDNNConvolution.Key]()

    /// The primitive for these sizes and this epilogue, its weights up to date; nil when oneDNN
    /// does not apply (the caller then runs the engine's own kernel).
    mutating func convolution(sizes: ConvolutionSizes, kernel: Parameter, bias: Parameter?,
                              epilogue: ConvolutionEpilogue?, border: ZeroBorder, hasResidual: Bool,
                              depthwise: Bool) -> OneDNNConvolution? {
        guard Engine.usesOneDNN else { return nil }
        let key = OneDNNConvolution.Key(batch: sizes.batch, height: sizes.height, width: sizes.width, border: border,
                                        activation: epilogue?.activation ?? .linear, hasResidual: hasResidual)
        guard !refused.contains(key) else { return nil }
        let convolution: OneDNNConvolution
        if let existing = built.first(where: { $0.key == key }) {
            convolution = existing
        } else if let created = OneDNNConvolution(key: key, sizes: sizes, depthwise: depthwise,
                                                  reusable: built.map(\.weights)) {
            if built.count >= Self.capacity { built.removeFirst() }
            built.append(created)
            convolution = created
        } else {
            refused.append(key)
            return nil
        }
        return convolution.weights.prepare(kernel: kernel, bias: bias, epilogue: epilogue) ? convolution : nil
    }

    /// The implementations in use, for `tl-bench --by-layer` and diagnostics.
    var implementations: [String] { built.map(\.implementation) }

    /// How many copies of the weights the primitives hold between them.
    var weightCopies: Int { Set(built.map { ObjectIdentifier($0.weights) }).count }
}
