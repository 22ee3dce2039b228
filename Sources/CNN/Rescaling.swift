/// Keras `Rescaling`: y = x · scale + offset with scalar scale and offset
/// (e.g. 1/255, or 1/127.5 and −1 in EfficientNet and MobileNetV3 preprocessing).
public final class Rescaling: UnaryLayer {
    public let name: String
    public let scale: Float
    public let offset: Float
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// The gradient needs only `scale`; this records that a training pass happened.
    private var trainedForward = false

    public init(name: String, scale: Float, offset: Float = 0) {
        self.name = name
        self.scale = scale
        self.offset = offset
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        inputShape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        trainedForward = training
        return rescaled(input, scale: scale, offset: offset)
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard trainedForward else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        return rescaled(outputGradient, scale: scale, offset: 0)
    }

    /// One pass from the input into a new tensor, split between the engine's threads (the
    /// input is still held by the graph, so scaling a copy in place would read it twice; a
    /// batch of 32 images is 19 MB).
    private func rescaled(_ input: Tensor, scale: Float, offset: Float) -> Tensor {
        Tensor.overwritten(shape: input.shape) { y in
            input.withPointer { x in scaleAndShift(x, into: y, count: input.count, scale: scale, offset: offset) }
        }
    }
}

/// target[i] = source[i] · scale + offset.
public func scaleAndShift(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int,
                          scale: Float, offset: Float) {
    let (from, to) = (SendableConstPointer(source), SendablePointer(target))
    // Each chunk writes its own range.
    parallelChunks(count, minimumChunk: 1 << 16) { range in
        for i in range { to.base[i] = from.base[i] * scale + offset }
    }
}
