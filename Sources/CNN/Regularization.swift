/// Keras's weight regularizers (keras-team/keras `keras/src/regularizers/regularizers.py`):
/// `L1(l1)` adds l1·Σ|w| to the loss, `L2(l2)` adds l2·Σw² (no ½), `L1L2` both.
/// As in Keras's `Layer._get_regularization_losses`, only trainable weights count.
public enum WeightPenalty: Equatable, Sendable {
    case l1(Float)
    case l2(Float)
    case l1l2(l1: Float, l2: Float)

    var coefficients: (l1: Float, l2: Float) {
        switch self {
        case let .l1(l1): return (l1, 0)
        case let .l2(l2): return (0, l2)
        case let .l1l2(l1, l2): return (l1, l2)
        }
    }
}

/// Adds the penalty's gradient (l1·sign(w) + 2·l2·w) into the gradient of every trainable
/// parameter whose role is in `roles` (kernels by default, as Keras's
/// `kernel_regularizer`), and returns the penalty, to add to the data loss.
@discardableResult
public func applyPenalty(_ penalty: WeightPenalty, to parameters: [Parameter],
                         roles: Set<ParameterRole> = [.weight]) -> Float {
    let (l1, l2) = penalty.coefficients
    var total = 0.0
    for parameter in parameters where parameter.isTrainable && roles.contains(parameter.role) {
        let count = parameter.value.count
        parameter.value.withPointer { w in
            parameter.gradient.withMutablePointer { g in
                total += weightPenaltyAccumulate(weights: w, gradient: g, count: count, l1: l1, l2: l2)
            }
        }
    }
    return Float(total)
}

/// gradient += l1·sign(w) + 2·l2·w; returns l1·Σ|w| + l2·Σw² in Float64.
/// sign(0) is 0, the subgradient TensorFlow's `abs` gives.
public func weightPenaltyAccumulate(weights: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
                                    count: Int, l1: Float, l2: Float) -> Double {
    var absolute = 0.0
    var squares = 0.0
    let twiceL2 = 2 * l2
    for i in 0..<count {
        let w = weights[i]
        absolute += Double(abs(w))
        squares += Double(w) * Double(w)
        let sign: Float = w > 0 ? 1 : (w < 0 ? -1 : 0)
        gradient[i] += l1 * sign + twiceL2 * w
    }
    return Double(l1) * absolute + Double(l2) * squares
}

/// Keras `clipnorm`, in place: each trainable parameter's gradient g becomes
/// g·maxNorm / max(‖g‖, maxNorm) on its own (`BaseOptimizer._clip_by_norm`).
/// Optimizers apply the same rule themselves through `GradientClipping.perParameter`
/// without modifying the gradients; this is for callers clipping before other uses.
public func clipGradientsPerParameter(_ parameters: [Parameter], maxNorm: Float) {
    for parameter in parameters where parameter.isTrainable {
        scaleGradient(parameter, by: perParameterClipScale(norm: gradientSquaredNorm(parameter).squareRoot(), maxNorm: maxNorm))
    }
}

/// Keras `global_clipnorm`, in place: every trainable gradient is multiplied by
/// maxNorm / max(N, maxNorm), N being the norm of all of them together
/// (`clip_by_global_norm` in `base_optimizer.py`). Returns N, worth logging.
/// A non-finite N makes every gradient NaN, as in Keras, so the failure is not hidden.
@discardableResult
public func clipGradientsByGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let trainable = parameters.filter(\.isTrainable)
    let norm = trainable.reduce(0.0) { $0 + gradientSquaredNorm($1) }.squareRoot()
    let scale = globalClipScale(norm: norm, maxNorm: maxNorm)
    for parameter in trainable { scaleGradient(parameter, by: scale) }
    return Float(norm)
}

/// Σg² over a parameter's gradient, in Float64 so large layers do not lose the small terms.
func gradientSquaredNorm(_ parameter: Parameter) -> Double {
    parameter.gradient.withPointer { g in
        var sum = 0.0
        for i in 0..<parameter.gradient.count { sum += Double(g[i]) * Double(g[i]) }
        return sum
    }
}

/// Keras's per-variable rule: maxNorm / max(norm, maxNorm), 1 for a zero gradient,
/// 0 for an infinite norm, NaN for a NaN norm.
func perParameterClipScale(norm: Double, maxNorm: Float) -> Float {
    guard !norm.isNaN else { return .nan }
    return Float(Double(maxNorm) / max(norm, Double(maxNorm)))
}

/// Keras's global rule: maxNorm·min(1/norm, 1/maxNorm), made NaN by a non-finite norm.
func globalClipScale(norm: Double, maxNorm: Float) -> Float {
    guard norm.isFinite else { return .nan }
    return Float(Double(maxNorm) / max(norm, Double(maxNorm)))
}

private func scaleGradient(_ parameter: Parameter, by scale: Float) {
    guard scale != 1 else { return }
    let count = parameter.gradient.count
    parameter.gradient.withMutablePointer { g in
        for i in 0..<count { g[i] *= scale }
    }
}
