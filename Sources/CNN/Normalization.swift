/// Keras's preprocessing `Normalization` over the last axis (Keras's default `axis=-1`):
/// y = (x − mean) / max(√variance, ε), or with `invert` y = mean + x · max(√variance, ε).
///
/// Keras semantics, from keras-team/keras `keras/src/layers/preprocessing/normalization.py`
/// (`call`) and keras-team/tf-keras `tf_keras/layers/preprocessing/normalization.py` (`call`),
/// which agree: the divisor is `maximum(sqrt(variance), backend.epsilon())` with
/// `backend.epsilon()` = 1e-7 (`keras/src/backend/config.py`), so a zero variance divides
/// by 1e-7 rather than by zero, and ε is not added to the variance.
/// Weights: an adapted layer (`mean`/`variance` not in its config) has three non-trainable
/// weights, in order `mean` (C), `variance` (C) and `count` (a scalar integer, int64 in
/// tf-keras, "int" in Keras 3, kept "for backwards compatibility" and unused by `call`).
/// A layer built from `mean`/`variance` in its config has no weights at all; pass
/// `storesStatistics: false` for that case.
public final class Normalization: UnaryLayer {
    /// Keras's `backend.epsilon()`.
    public static let epsilon: Float = 1e-7

    public let name: String
    public let invert: Bool
    /// Per-channel statistics; role `.statistic`, so never trained.
    public let mean: Parameter
    public let variance: Parameter
    /// Keras's sample count (stored as a float here; the loader converts the integer).
    public let count: Parameter
    /// Whether the statistics are saved weights (adapted layer) or config constants.
    public let storesStatistics: Bool
    public var isTrainable = true { didSet { applyTrainable() } }
    /// The gradient needs only the statistics; this records that a training pass happened.
    private var trainedForward = false

    public init(name: String, mean: [Float], variance: [Float], invert: Bool = false, storesStatistics: Bool = true) {
        precondition(!mean.isEmpty && mean.count == variance.count,
                     "mean has \(mean.count) values, variance \(variance.count)")
        self.name = name
        self.invert = invert
        self.storesStatistics = storesStatistics
        self.mean = Parameter(name: "mean", value: Tensor(shape: [mean.count], scalars: mean), role: .statistic)
        self.variance = Parameter(name: "variance", value: Tensor(shape: [variance.count], scalars: variance), role: .statistic)
        self.count = Parameter(name: "count", value: Tensor(zeros: []), role: .statistic)
    }

    /// An unadapted layer, as Keras builds it: mean 0, variance 1.
    public convenience init(name: String, channels: Int, invert: Bool = false) {
        self.init(name: name, mean: [Float](repeating: 0, count: channels),
                  variance: [Float](repeating: 1, count: channels), invert: invert)
    }

    public var channels: Int { mean.value.count }
    public var parameters: [Parameter] { storesStatistics ? [mean, variance, count] : [] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.last == channels else {
            throw EngineError.shapeMismatch(what: "input of Normalization '\(name)'", expected: [channels], actual: inputShape)
        }
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        let rows = input.count / max(channels, 1)
        let divisor = standardDeviations()
        var output = Tensor(zeros: input.shape)
        input.withPointer { x in
            mean.value.withPointer { m in
                divisor.withUnsafeBufferPointer { d in
                    output.withMutablePointer { y in
                        normalizationForward(input: x, output: y, mean: m, divisor: d.baseAddress!, rows: rows,
                                             channels: channels, invert: invert)
                    }
                }
            }
        }
        trainedForward = training
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard trainedForward else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        let rows = outputGradient.count / max(channels, 1)
        let divisor = standardDeviations()
        var gradient = Tensor(zeros: outputGradient.shape)
        outputGradient.withPointer { dy in
            divisor.withUnsafeBufferPointer { d in
                gradient.withMutablePointer { dx in
                    normalizationBackward(outputGradient: dy, inputGradient: dx, divisor: d.baseAddress!, rows: rows,
                                          channels: channels, invert: invert)
                }
            }
        }
        return gradient
    }

    /// max(√variance, ε) per channel, read from the parameter each pass so a loaded value takes effect.
    private func standardDeviations() -> [Float] {
        variance.value.scalars.map { max($0.squareRoot(), Normalization.epsilon) }
    }
}

/// output (rows, channels) = (input − mean) / divisor per channel, or mean + input · divisor when inverting.
public func normalizationForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 mean: UnsafePointer<Float>, divisor: UnsafePointer<Float>,
                                 rows: Int, channels: Int, invert: Bool) {
    for row in 0..<rows {
        let x = input + row * channels
        let y = output + row * channels
        if invert {
            for c in 0..<channels { y[c] = mean[c] + x[c] * divisor[c] }
        } else {
            // A true division, as Keras's: multiplying by a reciprocal would differ in the last bit.
            for c in 0..<channels { y[c] = (x[c] - mean[c]) / divisor[c] }
        }
    }
}

/// inputGradient = outputGradient / divisor per channel (· divisor when inverting);
/// the statistics receive no gradient.
public func normalizationBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                  divisor: UnsafePointer<Float>, rows: Int, channels: Int, invert: Bool) {
    for row in 0..<rows {
        let dy = outputGradient + row * channels
        let dx = inputGradient + row * channels
        if invert {
            for c in 0..<channels { dx[c] = dy[c] * divisor[c] }
        } else {
            for c in 0..<channels { dx[c] = dy[c] / divisor[c] }
        }
    }
}
