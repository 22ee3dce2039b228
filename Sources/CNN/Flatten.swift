/// Keras `Flatten` (channels_last): (N, d1, ..., dk) → (N, d1·...·dk). Row-major
/// order already matches Keras's, so no element moves.
public final class Flatten: UnaryLayer {
    public let name: String
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// The shape to restore the gradient to.
    private var savedInputShape: [Int]?

    public init(name: String) {
        self.name = name
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        [inputShape.reduce(1, *)]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        savedInputShape = training ? input.shape : nil
        return input.reshaped([input.shape[0], input.sampleCount])
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let shape = savedInputShape else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        guard outputGradient.count == shape.reduce(1, *) else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'",
                                            expected: [shape[0], shape.dropFirst().reduce(1, *)], actual: outputGradient.shape)
        }
        return outputGradient.reshaped(shape)
    }
}
