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
        var output = input
        let count = output.count
        output.withMutablePointer { y in
            scaleAndShift(y, count: count, scale: scale, offset: offset)
        }
        trainedForward = training
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard trainedForward else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        var gradient = outputGradient
        let count = gradient.count
        gradient.withMutablePointer { dx in
            scaleAndShift(dx, count: count, scale: scale, offset: 0)
        }
        return gradient
    }
}

/// values[i] = values[i] · scale + offset, in place.
public func scaleAndShift(_ values: UnsafeMutablePointer<Float>, count: Int, scale: Float, offset: Float) {
    for i in 0..<count { values[i] = values[i] * scale + offset }
}
