import Foundation

/// Updates trainable parameters from their accumulated gradients, one step per batch.
///
/// Each step follows Keras's `BaseOptimizer.apply` order (keras-team/keras
/// `keras/src/optimizers/base_optimizer.py`): clip the gradients (`clipping`), decay the
/// weights (`weightDecay`: w −= lr·wd·w, before the update), then the optimizer's own
/// update with the current learning rate. Gradients are read, never modified or zeroed:
/// zeroing stays explicit (`Graph.zeroGradients`).
public protocol Optimizer: AnyObject {
    /// Settable between steps, for schedules (see `cosineDecay`).
    var learningRate: Float { get set }
    /// Steps taken so far (Keras's `iterations`); Adam's bias correction uses it.
    var iterations: Int { get }
    var clipping: GradientClipping? { get set }
    /// Decoupled weight decay, applied to parameters whose role is in `decayedRoles`.
    var weightDecay: Float? { get set }
    var decayedRoles: Set<ParameterRole> { get set }
    /// Updates the trainable parameters among `parameters`; frozen ones are skipped.
    func step(_ parameters: [Parameter])
}

/// Keras's gradient clipping options (`clipnorm`, `global_clipnorm`).
public enum GradientClipping: Equatable, Sendable {
    /// Keras `clipnorm`: each parameter's gradient is scaled to norm ≤ maxNorm on its own.
    case perParameter(maxNorm: Float)
    /// Keras `global_clipnorm`: all gradients are scaled by one factor so that their
    /// joint norm is ≤ maxNorm, keeping their relative sizes.
    case global(maxNorm: Float)
}

/// Keras `SGD`, with Keras's momentum formulation (`keras/src/optimizers/sgd.py`):
/// velocity = momentum·velocity − lr·g; w += velocity, or with Nesterov
/// w += momentum·velocity − lr·g (the velocity already updated). Without momentum, w −= lr·g.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let nesterov: Bool
    public var clipping: GradientClipping?
    public var weightDecay: Float?
    public var decayedRoles: Set<ParameterRole> = [.weight]
    public private(set) var iterations = 0
    private var velocities = ParameterState()

    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false,
                clipping: GradientClipping? = nil, weightDecay: Float? = nil) {
        precondition((0...1).contains(momentum), "momentum \(momentum) is outside [0, 1], as Keras requires")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.clipping = clipping
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        let trainable = parameters.filter(\.isTrainable)
        let scales = gradientScales(trainable, clipping: clipping)
        applyWeightDecay(trainable, weightDecay: weightDecay, learningRate: learningRate, roles: decayedRoles)
        for (parameter, scale) in zip(trainable, scales) {
            let count = parameter.value.count
            parameter.gradient.withPointer { g in
                parameter.value.withMutablePointer { w in
                    if momentum == 0 {
                        sgdUpdate(weights: w, gradients: g, velocity: nil, count: count, learningRate: learningRate,
                                  momentum: 0, nesterov: false, gradientScale: scale)
                    } else {
                        velocities.withBuffer(for: parameter, count: count) { v in
                            sgdUpdate(weights: w, gradients: g, velocity: v, count: count, learningRate: learningRate,
                                      momentum: momentum, nesterov: nesterov, gradientScale: scale)
                        }
                    }
                }
            }
        }
        iterations += 1
    }
}

/// Keras `Adam` (`keras/src/optimizers/adam.py`), defaults β₁ 0.9, β₂ 0.999, ε 1e-7, with
/// Keras's form of the bias correction folded into the step size:
/// m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ);
/// w −= α·m / (√v + ε), t being the 1-based step. ε is thus added to √v, not to √v̂.
/// Not final only so that `AdamW`, the same optimizer with other defaults, can share it.
public class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public var clipping: GradientClipping?
    public var weightDecay: Float?
    public var decayedRoles: Set<ParameterRole> = [.weight]
    public private(set) var iterations = 0
    private var moments = ParameterState()

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                clipping: GradientClipping? = nil, weightDecay: Float? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.clipping = clipping
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        adamStep(parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                 clipping: clipping, weightDecay: weightDecay, decayedRoles: decayedRoles,
                 iterations: &iterations, moments: &moments)
    }

    /// The step count and each parameter's moments (m then v; nil before its first step),
    /// so an interrupted training run can continue exactly where it stopped.
    public func state(for parameters: [Parameter]) -> (iterations: Int, moments: [[Float]?]) {
        (iterations, parameters.map { moments.buffer(for: $0) })
    }

    public func restore(iterations: Int, moments saved: [[Float]?], for parameters: [Parameter]) {
        self.iterations = iterations
        for (parameter, buffer) in zip(parameters, saved) {
            if let buffer { moments.setBuffer(buffer, for: parameter) }
        }
    }
}

/// Keras `AdamW` (`keras/src/optimizers/adamw.py`): Adam plus decoupled weight decay,
/// default 0.004, applied before the Adam update as w −= lr·wd·w.
///
/// Keras decays every trainable variable not excluded by `exclude_from_weight_decay`
/// (biases and BatchNormalization γ/β included); here only roles in `decayedRoles`,
/// by default kernels (`.weight`), are decayed — the usual choice, and set
/// `decayedRoles = [.weight, .bias]` to match Keras's default exactly.
public final class AdamW: Adam {
    public init(learningRate: Float = 0.001, weightDecay: Float = 0.004, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7, clipping: GradientClipping? = nil) {
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   clipping: clipping, weightDecay: weightDecay)
    }
}

/// One Adam step (`Adam` and `AdamW` differ only in defaults).
private func adamStep(_ parameters: [Parameter], learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
                      clipping: GradientClipping?, weightDecay: Float?, decayedRoles: Set<ParameterRole>,
                      iterations: inout Int, moments: inout ParameterState) {
    let trainable = parameters.filter(\.isTrainable)
    let scales = gradientScales(trainable, clipping: clipping)
    applyWeightDecay(trainable, weightDecay: weightDecay, learningRate: learningRate, roles: decayedRoles)
    // Keras computes βᵗ from the shared iteration counter, in the variable's float type;
    // Float64 here keeps 1 − β₂ᵗ accurate in the first steps at no cost.
    let t = Double(iterations + 1)
    let stepSize = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
    for (parameter, scale) in zip(trainable, scales) {
        let count = parameter.value.count
        parameter.gradient.withPointer { g in
            parameter.value.withMutablePointer { w in
                moments.withBuffer(for: parameter, count: 2 * count) { m in
                    adamUpdate(weights: w, gradients: g, firstMoment: m, secondMoment: m + count, count: count,
                               stepSize: stepSize, beta1: beta1, beta2: beta2, epsilon: epsilon, gradientScale: scale)
                }
            }
        }
    }
    iterations += 1
}

/// velocity = momentum·velocity − lr·g; w += velocity (Nesterov: w += momentum·velocity − lr·g),
/// or w −= lr·g without a velocity. g is the gradient times `gradientScale` (clipping).
public func sgdUpdate(weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                      velocity: UnsafeMutablePointer<Float>?, count: Int, learningRate: Float,
                      momentum: Float, nesterov: Bool, gradientScale: Float) {
    let rate = learningRate * gradientScale
    guard let velocity else {
        for i in 0..<count { weights[i] -= rate * gradients[i] }
        return
    }
    for i in 0..<count {
        let step = rate * gradients[i]
        velocity[i] = momentum * velocity[i] - step
        weights[i] += nesterov ? momentum * velocity[i] - step : velocity[i]
    }
}

/// m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); w −= stepSize·m / (√v + ε),
/// with g the gradient times `gradientScale` and stepSize the bias-corrected rate.
public func adamUpdate(weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                       firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                       count: Int, stepSize: Float, beta1: Float, beta2: Float, epsilon: Float, gradientScale: Float) {
    let keep1 = 1 - beta1
    let keep2 = 1 - beta2
    for i in 0..<count {
        let g = gradients[i] * gradientScale
        firstMoment[i] += (g - firstMoment[i]) * keep1
        secondMoment[i] += (g * g - secondMoment[i]) * keep2
        weights[i] -= stepSize * firstMoment[i] / (secondMoment[i].squareRoot() + epsilon)
    }
}

/// Keras `CosineDecay` (`keras/src/optimizers/schedules/learning_rate_schedule.py`):
/// the learning rate for `step` (0-based, Keras's optimizer `iterations`).
/// Without warm-up: lr₀·((1 − α)·½(1 + cos(π·min(step, decaySteps)/decaySteps)) + α).
/// With `warmupTarget`, the rate first rises linearly from lr₀ to warmupTarget over
/// `warmupSteps`, then decays from warmupTarget over `decaySteps`.
public func cosineDecay(step: Int, initialLearningRate: Float, decaySteps: Int, alpha: Float = 0,
                        warmupTarget: Float? = nil, warmupSteps: Int = 0) -> Float {
    precondition(decaySteps > 0, "decaySteps must be positive")
    func decayed(_ step: Double, from rate: Double) -> Float {
        let cosine = 0.5 * (1 + cos(Double.pi * step / Double(decaySteps)))
        return Float(rate * ((1 - Double(alpha)) * cosine + Double(alpha)))
    }
    guard let warmupTarget else {
        return decayed(Double(min(step, decaySteps)), from: Double(initialLearningRate))
    }
    let clamped = Double(min(step, decaySteps + warmupSteps))
    if clamped < Double(warmupSteps) {
        let fraction = clamped / Double(warmupSteps)
        return Float(Double(warmupTarget - initialLearningRate) * fraction + Double(initialLearningRate))
    }
    return decayed(clamped - Double(warmupSteps), from: Double(warmupTarget))
}

/// Keras's `_apply_weight_decay`: w −= w·wd·lr for every parameter whose role is decayed.
private func applyWeightDecay(_ parameters: [Parameter], weightDecay: Float?, learningRate: Float,
                              roles: Set<ParameterRole>) {
    guard let weightDecay, weightDecay != 0 else { return }
    let factor = weightDecay * learningRate
    for parameter in parameters where roles.contains(parameter.role) {
        let count = parameter.value.count
        parameter.value.withMutablePointer { w in
            for i in 0..<count { w[i] -= w[i] * factor }
        }
    }
}

/// The factor each parameter's gradient is multiplied by under `clipping` (1 when unclipped);
/// scaling inside the update avoids copying or modifying the accumulated gradients.
private func gradientScales(_ parameters: [Parameter], clipping: GradientClipping?) -> [Float] {
    switch clipping {
    case .none:
        return [Float](repeating: 1, count: parameters.count)
    case let .perParameter(maxNorm):
        return parameters.map { perParameterClipScale(norm: gradientSquaredNorm($0).squareRoot(), maxNorm: maxNorm) }
    case let .global(maxNorm):
        let norm = parameters.reduce(0.0) { $0 + gradientSquaredNorm($1) }.squareRoot()
        return [Float](repeating: globalClipScale(norm: norm, maxNorm: maxNorm), count: parameters.count)
    }
}

/// Per-parameter optimizer state (velocity, moments), keyed by the parameter's identity.
///
/// The state holds the parameter itself too: an ObjectIdentifier is only unique while its
/// object lives, and a freed parameter's identifier could otherwise be reused by a new one
/// that would inherit stale moments.
private struct ParameterState {
    private var entries: [ObjectIdentifier: (parameter: Parameter, buffer: [Float])] = [:]

    /// A zero-initialized buffer of `count` floats for `parameter`, created on first use
    /// (Keras's `add_variable_from_reference` with zeros), passed to `body` in place.
    /// The size is passed in rather than read from the parameter, whose value the caller
    /// is usually in the middle of modifying.
    mutating func withBuffer<R>(for parameter: Parameter, count size: Int,
                                _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let key = ObjectIdentifier(parameter)
        var entry = entries.removeValue(forKey: key) ?? (parameter, [Float](repeating: 0, count: size))
        if entry.buffer.count != size { entry.buffer = [Float](repeating: 0, count: size) }
        defer { entries[key] = entry }
        return entry.buffer.withUnsafeMutableBufferPointer { body($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) }
    }

    func buffer(for parameter: Parameter) -> [Float]? {
        entries[ObjectIdentifier(parameter)]?.buffer
    }

    mutating func setBuffer(_ buffer: [Float], for parameter: Parameter) {
        entries[ObjectIdentifier(parameter)] = (parameter, buffer)
    }
}
