import Foundation

/// The elementwise (and softmax) functions of Keras's `Activation` layer and of the
/// `ReLU`, `LeakyReLU`, `ELU` and `Softmax` layers, which all map onto `Activation`.
///
/// Definitions follow the Keras sources (keras-team/keras `keras/src/activations/activations.py`,
/// keras-team/tf-keras `tf_keras/activations.py` and `tf_keras/backend.py`):
/// - `hardSigmoid` is tf-keras / Keras 2's `clip(0.2·x + 0.5, 0, 1)`; Keras 3 changed
///   `hard_sigmoid` to `relu6(x + 3) / 6`, which is `hardSigmoidV3`. The format layer picks
///   one from the Keras version that wrote the file.
/// - `hardSwish` is Keras 3's `hard_silu` / `hard_swish`, `x · relu6(x + 3) / 6` (also what
///   keras.applications' MobileNetV3 builds from layers).
/// - `gelu` is `0.5·x·(1 + erf(x/√2))`, or with `approximate` the tanh form
///   `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, as `tf.nn.gelu`.
/// - `reluGeneral` is the `ReLU` layer with `max_value`, `negative_slope` and `threshold`,
///   computed as Keras's `ReLU.static_call` does (see `ActivationKind.relu(maxValue:negativeSlope:threshold:)`).
/// - `softmax` runs over the last axis.
public enum ActivationKind: Equatable, Sendable {
    case linear
    case relu
    case relu6
    /// x for x > 0, alpha·x otherwise (the `LeakyReLU` layer defaults to 0.3 in both Keras 2 and 3).
    case leakyReLU(alpha: Float)
    case reluGeneral(maxValue: Float?, negativeSlope: Float, threshold: Float)
    case sigmoid
    case hardSigmoid
    case hardSigmoidV3
    /// x · sigmoid(x), also called silu.
    case swish
    case hardSwish
    case tanh
    case gelu(approximate: Bool)
    /// x for x > 0, alpha·(exp(x) − 1) otherwise.
    case elu(alpha: Float)
    case softmax

    /// The simplest kind computing Keras's `ReLU(max_value, negative_slope, threshold)` layer.
    public static func relu(maxValue: Float?, negativeSlope: Float = 0, threshold: Float = 0) -> ActivationKind {
        switch (maxValue, negativeSlope, threshold) {
        case (nil, 0, 0): return .relu
        case (6?, 0, 0): return .relu6
        case (nil, _, 0): return .leakyReLU(alpha: negativeSlope)
        default: return .reluGeneral(maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold)
        }
    }

    /// The kind for an activation name in a Keras config (`"relu"`, `"swish"`, ...).
    /// `hard_sigmoid` changed meaning in Keras 3, hence `keras3`.
    public init?(kerasName: String, keras3: Bool = false) {
        switch kerasName {
        case "linear": self = .linear
        case "relu": self = .relu
        case "relu6": self = .relu6
        case "leaky_relu": self = .leakyReLU(alpha: 0.2)  // the function's default (the layer's is 0.3)
        case "sigmoid": self = .sigmoid
        case "hard_sigmoid": self = keras3 ? .hardSigmoidV3 : .hardSigmoid
        case "swish", "silu": self = .swish
        case "hard_swish", "hard_silu": self = .hardSwish
        case "tanh": self = .tanh
        case "gelu": self = .gelu(approximate: false)
        case "elu": self = .elu(alpha: 1)
        case "softmax": self = .softmax
        default: return nil
        }
    }

    /// Sigmoid, tanh and softmax differentiate most cheaply from their output; the
    /// others need their input; linear needs neither.
    public var backwardUsesOutput: Bool {
        switch self {
        case .sigmoid, .tanh, .softmax: return true
        default: return false
        }
    }
}

/// Keras `Activation` (and `ReLU`, `LeakyReLU`, `ELU`, `Softmax`): no parameters.
public final class Activation: UnaryLayer {
    public let name: String
    public let kind: ActivationKind
    public var isTrainable = true
    /// Set by `Graph.fuseForInference()` when the preceding convolution applies this activation.
    public internal(set) var isBypassed = false
    public var parameters: [Parameter] { [] }
    /// The input or the output of the latest training forward pass, whichever backward needs.
    private var saved: Tensor?
    private var savedShape: [Int]?

    public init(name: String, kind: ActivationKind) {
        self.name = name
        self.kind = kind
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        if kind == .softmax && (inputShape.last ?? 0) == 0 {
            throw EngineError.invalidConfiguration(layer: name, reason: "softmax needs a non-empty last axis, got \(inputShape)")
        }
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        savedShape = training ? input.shape : nil
        saved = nil
        if kind == .linear || input.count == 0 || isBypassed { return input }
        let rowLength = input.shape.last ?? 1
        let output = Tensor.overwritten(shape: input.shape) { y in
            input.withPointer { x in
                activationForward(kind, input: x, output: y, count: input.count, rowLength: rowLength)
            }
        }
        if training { saved = kind.backwardUsesOutput ? output : input }
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let shape = savedShape else { throw EngineError.notTrainedForward(layer: name) }
        guard outputGradient.shape == shape else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: shape, actual: outputGradient.shape)
        }
        guard inputGradient else { return nil }
        guard kind != .linear, outputGradient.count > 0, let saved else { return outputGradient }
        let usesOutput = kind.backwardUsesOutput
        return Tensor.overwritten(shape: shape) { dx in
            saved.withPointer { s in
                outputGradient.withPointer { dy in
                    activationBackward(kind, input: usesOutput ? nil : s, output: usesOutput ? s : nil,
                                       outputGradient: dy, inputGradient: dx,
                                       count: shape.reduce(1, *), rowLength: shape.last ?? 1)
                }
            }
        }
    }
}

/// Elementwise loops are memory-bound and cheap per element: only tensors this large
/// are worth waking other threads for.
let elementwiseMinimumChunk = 1 << 15

/// output = f(input) elementwise, or softmax over rows of `rowLength`. `input` and
/// `output` may be the same buffer.
public func activationForward(_ kind: ActivationKind, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                              count: Int, rowLength: Int) {
    if case .softmax = kind {
        softmaxForward(input: input, output: output, rows: count / max(1, rowLength), columns: rowLength)
        return
    }
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    // Each chunk reads and writes only its own index range.
    parallelChunks(count, minimumChunk: elementwiseMinimumChunk) { range in
        let x = source.base, y = target.base
        // One loop per kind, so each loop body is branch-free where the function allows.
        switch kind {
        case .linear:
            for i in range { y[i] = x[i] }
        case .relu:
            for i in range { y[i] = max(x[i], 0) }
        case .relu6:
            for i in range { y[i] = min(max(x[i], 0), 6) }
        case let .leakyReLU(alpha):
            for i in range { let v = x[i]; y[i] = v > 0 ? v : alpha * v }
        case let .reluGeneral(maxValue, slope, threshold):
            for i in range { y[i] = generalReLU(x[i], maxValue: maxValue, slope: slope, threshold: threshold) }
        case .sigmoid:
            for i in range { y[i] = 1 / (1 + vectorExp(-x[i])) }
        case .hardSigmoid:
            for i in range { y[i] = min(max(0.2 * x[i] + 0.5, 0), 1) }
        case .hardSigmoidV3:
            for i in range { y[i] = min(max(x[i] + 3, 0), 6) * (1 / 6) }
        case .swish:
            for i in range { let v = x[i]; y[i] = v / (1 + vectorExp(-v)) }
        case .hardSwish:
            for i in range { let v = x[i]; y[i] = v * min(max(v + 3, 0), 6) * (1 / 6) }
        case .tanh:
            for i in range { y[i] = Foundation.tanh(x[i]) }
        case .gelu(approximate: false):
            for i in range { let v = x[i]; y[i] = 0.5 * v * (1 + erf(v * geluInverseSqrt2)) }
        case .gelu(approximate: true):
            for i in range {
                let v = x[i]
                y[i] = 0.5 * v * (1 + Foundation.tanh(geluSqrt2OverPi * (v + 0.044715 * v * v * v)))
            }
        case let .elu(alpha):
            // expm1, as TensorFlow's Elu, keeps the relative accuracy of small negative values.
            for i in range { let v = x[i]; y[i] = v > 0 ? v : alpha * expm1(v) }
        case .softmax:
            preconditionFailure("handled above")
        }
    }
}

/// inputGradient = outputGradient · f′, from the saved `input` or `output`
/// (per `ActivationKind.backwardUsesOutput`); softmax over rows of `rowLength`.
public func activationBackward(_ kind: ActivationKind, input: UnsafePointer<Float>?, output: UnsafePointer<Float>?,
                               outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                               count: Int, rowLength: Int) {
    if case .softmax = kind {
        softmaxBackward(output: output!, outputGradient: outputGradient, inputGradient: inputGradient,
                        rows: count / max(1, rowLength), columns: rowLength)
        return
    }
    precondition(kind == .linear || (kind.backwardUsesOutput ? output : input) != nil,
                 "activationBackward(\(kind)) needs its saved \(kind.backwardUsesOutput ? "output" : "input")")
    let saved = SendableConstPointer(kind.backwardUsesOutput ? output! : (input ?? outputGradient))
    let upstream = SendableConstPointer(outputGradient)
    let target = SendablePointer(inputGradient)
    // Each chunk reads and writes only its own index range.
    parallelChunks(count, minimumChunk: elementwiseMinimumChunk) { range in
        let s = saved.base, dy = upstream.base, dx = target.base
        // Every loop loads dy[i] into a local before any `?:`: a load inside one arm is a
        // conditional load, which keeps LLVM from vectorizing and leaves a branch per element.
        switch kind {
        case .linear:
            for i in range { dx[i] = dy[i] }
        case .relu:
            // TensorFlow's ReluGrad passes the gradient where x > 0 only.
            for i in range { let d = dy[i]; dx[i] = s[i] > 0 ? d : 0 }
        case .relu6:
            // Two selects rather than `&&`, whose short circuit is a branch too.
            for i in range { let v = s[i], d = dy[i]; let g = v > 0 ? d : 0; dx[i] = v < 6 ? g : 0 }
        case let .leakyReLU(alpha):
            for i in range { let d = dy[i]; dx[i] = s[i] > 0 ? d : alpha * d }
        case let .reluGeneral(maxValue, slope, threshold):
            for i in range {
                dx[i] = dy[i] * generalReLUDerivative(s[i], maxValue: maxValue, slope: slope, threshold: threshold)
            }
        case .sigmoid:
            for i in range { let y = s[i]; dx[i] = dy[i] * y * (1 - y) }
        case .hardSigmoid:
            for i in range { let v = s[i], d = 0.2 * dy[i]; let g = v > -2.5 ? d : 0; dx[i] = v < 2.5 ? g : 0 }
        case .hardSigmoidV3:
            for i in range { let v = s[i], d = dy[i] * (1 / 6); let g = v > -3 ? d : 0; dx[i] = v < 3 ? g : 0 }
        case .swish:
            for i in range {
                let v = s[i]
                let sig = 1 / (1 + vectorExp(-v))
                dx[i] = dy[i] * sig * (1 + v * (1 - sig))
            }
        case .hardSwish:
            for i in range {
                let v = s[i]
                let d = dy[i]
                let inner = d * (2 * v + 3) * (1 / 6)
                let upper = v >= 3 ? d : inner
                dx[i] = v <= -3 ? 0 : upper
            }
        case .tanh:
            for i in range { let y = s[i]; dx[i] = dy[i] * (1 - y * y) }
        case .gelu(approximate: false):
            for i in range {
                let v = s[i]
                let cdf = 0.5 * (1 + erf(v * geluInverseSqrt2))
                let pdf = exp(-0.5 * v * v) * geluInverseSqrt2Pi
                dx[i] = dy[i] * (cdf + v * pdf)
            }
        case .gelu(approximate: true):
            for i in range {
                let v = s[i]
                let t = Foundation.tanh(geluSqrt2OverPi * (v + 0.044715 * v * v * v))
                let du = geluSqrt2OverPi * (1 + 3 * 0.044715 * v * v)
                dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
            }
        case let .elu(alpha):
            for i in range { let v = s[i], d = dy[i]; dx[i] = v > 0 ? d : d * alpha * exp(v) }
        case .softmax:
            preconditionFailure("handled above")
        }
    }
}

/// Softmax over each row of `columns` values; subtracting the row's maximum keeps
/// exp finite for any finite input (e.g. logits of 1000).
public func softmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    // Each chunk owns whole rows.
    parallelChunks(rows, minimumChunk: max(1, elementwiseMinimumChunk / max(1, columns))) { range in
        for row in range {
            let x = source.base + row * columns
            let y = target.base + row * columns
            var largest = -Float.infinity
            for j in 0..<columns { largest = max(largest, x[j]) }
            var total: Float = 0
            for j in 0..<columns {
                let e = vectorExp(x[j] - largest)
                y[j] = e
                total += e
            }
            let inverse = 1 / total
            for j in 0..<columns { y[j] *= inverse }
        }
    }
}

/// dx = y · (dy − Σ dy·y) per row.
public func softmaxBackward(output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                            inputGradient: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    let saved = SendableConstPointer(output)
    let upstream = SendableConstPointer(outputGradient)
    let target = SendablePointer(inputGradient)
    // Each chunk owns whole rows.
    parallelChunks(rows, minimumChunk: max(1, elementwiseMinimumChunk / max(1, columns))) { range in
        for row in range {
            let y = saved.base + row * columns
            let dy = upstream.base + row * columns
            let dx = target.base + row * columns
            var dot: Float = 0
            for j in 0..<columns { dot += dy[j] * y[j] }
            for j in 0..<columns { dx[j] = y[j] * (dy[j] - dot) }
        }
    }
}

private let geluInverseSqrt2: Float = 0.70710678118654752
private let geluInverseSqrt2Pi: Float = 0.39894228040143268
private let geluSqrt2OverPi: Float = 0.79788456080286536

/// Keras's `ReLU.static_call`: the positive part is x above `threshold` (0 otherwise; plain
/// relu when the threshold is 0), clipped to [0, maxValue] when there is a maximum, minus
/// slope · relu(threshold − x). So with a negative threshold and no maximum, values between
/// the threshold and 0 pass through unchanged, as in Keras.
@inline(__always)
func generalReLU(_ v: Float, maxValue: Float?, slope: Float, threshold: Float) -> Float {
    var positive = threshold != 0 ? (v > threshold ? v : 0) : max(v, 0)
    if let maxValue { positive = min(max(positive, 0), maxValue) }
    return positive - slope * max(threshold - v, 0)
}

@inline(__always)
func generalReLUDerivative(_ v: Float, maxValue: Float?, slope: Float, threshold: Float) -> Float {
    var derivative: Float = (threshold != 0 ? v > threshold : v > 0) ? 1 : 0
    if let maxValue, !(v > 0 && v < maxValue) { derivative = 0 }
    if v < threshold { derivative += slope }
    return derivative
}

/// e^x for Float in plain arithmetic and bit operations, so that loops calling it
/// vectorize (libm's expf is an opaque call, one element at a time): sigmoid, swish and
/// softmax run several times faster. Within 2 ulp of expf over the clamped range.
///
/// x = n·ln2 + r with |r| ≤ ln2/2; e^r by its Taylor series to r⁷ (the remainder,
/// r⁸/8!·e^r < 1e-8, is below Float's precision); 2ⁿ built in the exponent bits. x is
/// clamped to [−87, 88], where 2ⁿ stays a normal Float: e^x saturates at e^88 ≈ 1.7e38
/// instead of overflowing and bottoms out at e^−87 ≈ 1.6e−38 instead of reaching 0,
/// differences that vanish in 1/(1 + e^x) and in a softmax whose largest term is 1.
@inline(__always)
func vectorExp(_ x: Float) -> Float {
    let clamped = min(max(x, -87), 88)
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits, without a
    // conversion instruction that SSE2 lacks in vector form.
    let shifter: Float = 12_582_912
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    // ln 2 in two parts: n·ln2Hi is exact, so r keeps full precision.
    let r = (clamped - n * 0.693_359_375) - n * -2.121_944_4e-4
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) << 23
    return p * Float(bitPattern: UInt32(bitPattern: exponent))
}

extension Tensor {
    /// A tensor whose every element `body` writes: kernels that overwrite their whole
    /// output skip the zero-filling pass of `Tensor(zeros:)`, a full extra write of
    /// every activation during feature extraction.
    static func overwritten(shape: [Int], by body: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        Tensor(shape: shape) { buffer in body(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) }
    }
}
