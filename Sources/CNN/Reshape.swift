/// Keras `Reshape`: `targetShape` excludes the batch dimension and may hold one -1,
/// inferred from the element count (MobileNet's head reshapes (1024) to (1, 1, 1024)).
public final class Reshape: UnaryLayer {
    public let name: String
    public let targetShape: [Int]
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// The shape to restore the gradient to.
    private var savedInputShape: [Int]?

    public init(name: String, targetShape: [Int]) {
        self.name = name
        self.targetShape = targetShape
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let count = inputShape.reduce(1, *)
        let unknown = targetShape.indices.filter { targetShape[$0] == -1 }
        guard unknown.count <= 1 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "more than one -1 in target shape \(targetShape)")
        }
        guard targetShape.allSatisfy({ $0 == -1 || $0 >= 0 }) else {
            throw EngineError.invalidConfiguration(layer: name, reason: "invalid target shape \(targetShape)")
        }
        var shape = targetShape
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        if let index = unknown.first {
            guard known > 0, count % known == 0 else {
                throw EngineError.invalidConfiguration(layer: name,
                                                       reason: "cannot reshape \(inputShape) (\(count) values) to \(targetShape)")
            }
            shape[index] = count / known
        } else if known != count {
            throw EngineError.invalidConfiguration(layer: name,
                                                   reason: "cannot reshape \(inputShape) (\(count) values) to \(targetShape)")
        }
        return shape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        savedInputShape = training ? input.shape : nil
        return input.reshaped([input.shape[0]] + shape)
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let shape = savedInputShape else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        guard outputGradient.count == shape.reduce(1, *) else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'",
                                            expected: [shape[0]] + (try outputShape(for: Array(shape.dropFirst()))),
                                            actual: outputGradient.shape)
        }
        return outputGradient.reshaped(shape)
    }
}
