/// One node kind of the engine, named as in Keras.
///
/// `forward` keeps exactly what `backward` needs when `training` is true, and
/// nothing otherwise. `backward` receives the gradient of the loss with respect
/// to the output of the latest training forward pass, *accumulates* into the
/// parameters' gradients, and returns the gradients with respect to each input
/// (or an empty array when `inputGradients` is false: nothing below needs them).
///
/// Shapes given to `outputShape(for:)` exclude the batch dimension, as Keras's do.
public protocol Layer: AnyObject {
    var name: String { get }
    var parameters: [Parameter] { get }
    /// Keras's `trainable`. A frozen BatchNormalization also runs in inference mode.
    var isTrainable: Bool { get set }
    func outputShape(for inputShapes: [[Int]]) throws -> [Int]
    /// `consuming`: the graph hands over inputs it holds no other reference to, so a layer may
    /// write its output into an input's storage (a fused residual sum does) without a copy.
    func forward(_ inputs: consuming [Tensor], training: Bool) throws -> Tensor
    func backward(_ outputGradient: Tensor, inputGradients: Bool) throws -> [Tensor]
}

/// A layer with one input: the common case, written without arrays.
public protocol UnaryLayer: Layer {
    func outputShape(for inputShape: [Int]) throws -> [Int]
    func forward(_ input: Tensor, training: Bool) throws -> Tensor
    /// Returns nil when `inputGradient` is false.
    func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor?
}

extension UnaryLayer {
    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "expects 1 input, got \(inputShapes.count)")
        }
        return try outputShape(for: inputShapes[0])
    }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        guard inputs.count == 1 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "expects 1 input, got \(inputs.count)")
        }
        return try forward(inputs[0], training: training)
    }

    public func backward(_ outputGradient: Tensor, inputGradients: Bool) throws -> [Tensor] {
        if let gradient = try backward(outputGradient, inputGradient: inputGradients) {
            return [gradient]
        }
        return []
    }
}

extension Layer {
    /// Sets the trainable flag of every parameter from the layer's flag.
    public func applyTrainable() {
        for parameter in parameters { parameter.isTrainable = isTrainable }
    }

    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }

    public var parameterCount: Int {
        parameters.reduce(0) { $0 + $1.value.count }
    }

    public var hasTrainableParameters: Bool {
        isTrainable && parameters.contains { $0.isTrainable }
    }
}
