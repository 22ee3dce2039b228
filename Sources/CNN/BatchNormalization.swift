import Foundation

/// Keras `BatchNormalization` over the last (channel) axis of a tensor of any rank ≥ 2.
///
/// Parameters in Keras's order: gamma (when `scale`), beta (when `center`), moving_mean,
/// moving_variance (statistics, never trained).
///
/// Semantics, as read in keras-team/keras `keras/src/layers/normalization/batch_normalization.py`
/// (Keras 3) and keras-team/tf-keras `tf_keras/layers/normalization/batch_normalization.py`:
/// - Training mode is `training && trainable`: a frozen layer normalizes with its moving
///   statistics even inside `fit` (Keras 3 `if training and self.trainable`; tf-keras
///   `_get_training_value` forces training to False when not trainable).
/// - Normalizing uses the biased (population) batch variance over every axis but the channel.
/// - moving = moving·momentum + batch·(1 − momentum), where the batch variance differs:
///   Keras 3 uses the biased one (`ops.moments`). tf-keras (Keras 2 under TF 2) uses the
///   biased one on its non-fused path (`tf.nn.moments`: inputs of rank other than 4 or 5),
///   but for 4-D input it takes the fused path, `tf.compat.v1.nn.fused_batch_norm`, whose
///   kernel folds in the *unbiased* variance ×n/(n−1): the layer's
///   `_maybe_add_or_remove_bessels_correction` would undo that, but `__init__` sets
///   `_bessels_correction_test_only = True`, which turns it off. Checked by running
///   tf-keras 2.21 and Keras 3.15 on the same 4-D batch (n = 24): tf-keras's moving variance
///   matched the unbiased update to 1e-7 and Keras 3's the biased one. `movingVarianceUpdate`
///   selects between the two.
/// - Output = x·m + (beta − mean·m) with m = gamma / √(variance + epsilon), the order of
///   `tf.nn.batch_normalization`.
public final class BatchNormalization: UnaryLayer {
    public let name: String
    public let epsilon: Float
    public let momentum: Float
    public let gamma: Parameter?
    public let beta: Parameter?
    public let movingMean: Parameter
    public let movingVariance: Parameter
    public var isTrainable = true { didSet { applyTrainable() } }
    /// When true, training passes normalize with the moving statistics and leave them
    /// unchanged while gamma and beta still learn (Keras has no such switch: its frozen
    /// layers freeze all four; this is the common "frozen statistics" fine-tuning choice).
    public var usesMovingStatisticsInTraining = false
    /// Set by `Graph.fuseForInference()` when the preceding convolution applies this
    /// layer's affine map itself: the layer then passes its input through.
    public internal(set) var isBypassed = false
    /// Which batch variance the moving variance absorbs (see the type's comment); the
    /// format layer sets `.tfKeras` for models written by Keras 2.
    public var movingVarianceUpdate: MovingVarianceUpdate = .biased

    public enum MovingVarianceUpdate: Sendable {
        /// The biased batch variance, as Keras 3.
        case biased
        /// As tf-keras: the unbiased variance ×n/(n−1) for 4-D and 5-D input (its fused
        /// kernel), the biased one otherwise.
        case tfKeras
    }

    private enum Saved {
        /// Batch statistics: x̂ = (x − mean)·inverseStd, needed for every gradient.
        case batch(normalized: Tensor, inverseStd: [Float], shape: [Int])
        /// Moving statistics: x̂ only when gamma is trained.
        case moving(normalized: Tensor?, inverseStd: [Float], shape: [Int])
    }
    private var saved: Saved?

    public init(name: String, channels: Int, epsilon: Float = 1e-3, momentum: Float = 0.99,
                center: Bool = true, scale: Bool = true) {
        self.name = name
        self.epsilon = epsilon
        self.momentum = momentum
        gamma = scale ? Parameter(name: "gamma", value: Tensor(repeating: 1, shape: [channels])) : nil
        beta = center ? Parameter(name: "beta", value: Tensor(zeros: [channels]), role: .bias) : nil
        movingMean = Parameter(name: "moving_mean", value: Tensor(zeros: [channels]), role: .statistic)
        movingVariance = Parameter(name: "moving_variance", value: Tensor(repeating: 1, shape: [channels]), role: .statistic)
    }

    public var channels: Int { movingMean.shape[0] }

    public var parameters: [Parameter] {
        var result = [Parameter]()
        if let gamma { result.append(gamma) }
        if let beta { result.append(beta) }
        result.append(movingMean)
        result.append(movingVariance)
        return result
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 1, inputShape.last == channels else {
            throw EngineError.shapeMismatch(what: "input of BatchNormalization '\(name)'",
                                            expected: [channels], actual: inputShape)
        }
        return inputShape
    }

    /// Whether a forward pass with this `training` flag uses (and updates) batch statistics.
    public func usesBatchStatistics(training: Bool) -> Bool {
        training && isTrainable && !usesMovingStatisticsInTraining
    }

    /// The inference-mode transform as y = x·multiplier + offset per channel, for folding
    /// into a preceding convolution (kernel[..., c] ·= multiplier[c], bias[c] = bias[c]·multiplier[c] + offset[c]).
    public func inferenceAffine() -> (multiplier: [Float], offset: [Float]) {
        let inverseStd = inverseStandardDeviation(movingVariance.value.scalars)
        return affine(mean: movingMean.value.scalars, inverseStd: inverseStd)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        if isBypassed { return input }
        let rows = input.count / channels
        let batchMode = usesBatchStatistics(training: training)
        let mean: [Float]
        let inverseStd: [Float]
        if batchMode {
            var batchMean = [Float](repeating: 0, count: channels)
            var batchVariance = [Float](repeating: 0, count: channels)
            input.withPointer { x in
                batchNormStatistics(input: x, rows: rows, channels: channels, mean: &batchMean, variance: &batchVariance)
            }
            mean = batchMean
            inverseStd = inverseStandardDeviation(batchVariance)
            updateMovingAverage(movingMean, with: batchMean)
            if movingVarianceUpdate == .tfKeras && (input.rank == 4 || input.rank == 5) && rows > 1 {
                let correction = Float(rows) / Float(rows - 1)
                updateMovingAverage(movingVariance, with: batchVariance.map { $0 * correction })
            } else {
                updateMovingAverage(movingVariance, with: batchVariance)
            }
        } else {
            mean = movingMean.value.scalars
            inverseStd = inverseStandardDeviation(movingVariance.value.scalars)
        }
        let gammaTrained = gamma.map { $0.isTrainable && isTrainable } ?? false
        let keepNormalized = training && (batchMode || gammaTrained)
        var normalized: Tensor? = keepNormalized ? Tensor(zeros: input.shape) : nil
        let (multiplier, offset) = affine(mean: mean, inverseStd: inverseStd)
        let output = Tensor.overwritten(shape: input.shape) { y in
            input.withPointer { x in
                normalized.withMutablePointer { n in
                    batchNormForward(input: x, output: y, normalized: n, rows: rows, channels: channels,
                                     mean: mean, inverseStd: inverseStd, multiplier: multiplier, offset: offset)
                }
            }
        }
        if !training {
            saved = nil
        } else if batchMode {
            saved = .batch(normalized: normalized!, inverseStd: inverseStd, shape: input.shape)
        } else {
            saved = .moving(normalized: normalized, inverseStd: inverseStd, shape: input.shape)
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let saved else { throw EngineError.notTrainedForward(layer: name) }
        let (normalized, inverseStd, shape, batchMode): (Tensor?, [Float], [Int], Bool)
        switch saved {
        case let .batch(n, s, sh): (normalized, inverseStd, shape, batchMode) = (n, s, sh, true)
        case let .moving(n, s, sh): (normalized, inverseStd, shape, batchMode) = (n, s, sh, false)
        }
        guard outputGradient.shape == shape else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: shape, actual: outputGradient.shape)
        }
        let rows = outputGradient.count / channels
        let gammaValues = gamma?.value.scalars ?? [Float](repeating: 1, count: channels)
        var inputGrad: Tensor? = inputGradient ? Tensor(zeros: shape) : nil
        outputGradient.withPointer { dy in
            inputGrad.withMutablePointer { dx in
                // x̂ was kept if gamma was trainable at forward time; a flag flipped since then must not trap.
                withOptionalGradient(normalized == nil ? nil : gamma) { dGamma in
                    withOptionalGradient(beta) { dBeta in
                        normalized.withPointer { n in
                            batchNormBackward(outputGradient: dy, normalized: n, gamma: gammaValues, inverseStd: inverseStd,
                                              gammaGradient: dGamma, betaGradient: dBeta, inputGradient: dx,
                                              rows: rows, channels: channels, batchStatistics: batchMode)
                        }
                    }
                }
            }
        }
        return inputGrad
    }

    private func withOptionalGradient<R>(_ parameter: Parameter?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
        guard let parameter else { return body(nil) }
        return parameter.withGradientPointer(enabled: isTrainable, body)
    }

    private func inverseStandardDeviation(_ variance: [Float]) -> [Float] {
        variance.map { 1 / ($0 + epsilon).squareRoot() }
    }

    private func affine(mean: [Float], inverseStd: [Float]) -> (multiplier: [Float], offset: [Float]) {
        let scale = gamma?.value.scalars
        let shift = beta?.value.scalars
        var multiplier = inverseStd
        var offset = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            if let scale { multiplier[c] *= scale[c] }
            offset[c] = (shift?[c] ?? 0) - mean[c] * multiplier[c]
        }
        return (multiplier, offset)
    }

    private func updateMovingAverage(_ parameter: Parameter, with batch: [Float]) {
        let keep = momentum
        let take = 1 - momentum
        let count = batch.count  // not `channels`, which reads movingMean while it may be the one being written
        parameter.value.withMutablePointer { moving in
            for c in 0..<count { moving[c] = moving[c] * keep + batch[c] * take }
        }
    }
}

/// Per-channel mean and biased variance of `rows` rows of `channels` values, two-pass
/// and accumulated in Float64: a batch of 32 at 112×112 sums 400k values per channel,
/// too many for a Float32 running sum.
public func batchNormStatistics(input: UnsafePointer<Float>, rows: Int, channels: Int,
                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    guard rows > 0 else {
        mean.update(repeating: 0, count: channels)
        variance.update(repeating: 0, count: channels)
        return
    }
    let source = SendableConstPointer(input)
    let sums = channelPartialSums(rows: rows, width: channels) { range, accumulator in
        for row in range {
            let x = source.base + row * channels
            for c in 0..<channels { accumulator[c] += Double(x[c]) }
        }
    }
    let meanDouble = sums.map { $0 / Double(rows) }
    let squares = meanDouble.withUnsafeBufferPointer { m in
        let centre = SendableConstPointer(m.baseAddress!)
        return channelPartialSums(rows: rows, width: channels) { range, accumulator in
            for row in range {
                let x = source.base + row * channels
                for c in 0..<channels {
                    let d = Double(x[c]) - centre.base[c]
                    accumulator[c] += d * d
                }
            }
        }
    }
    for c in 0..<channels {
        mean[c] = Float(meanDouble[c])
        variance[c] = Float(squares[c] / Double(rows))
    }
}

/// y = x·multiplier + offset per channel, and, when `normalized` is given, x̂ = (x − mean)·inverseStd.
public func batchNormForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             normalized: UnsafeMutablePointer<Float>?, rows: Int, channels: Int,
                             mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
                             multiplier: UnsafePointer<Float>, offset: UnsafePointer<Float>) {
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    let hat = normalized.map { SendablePointer($0) }
    let (mu, inv, m, o) = (SendableConstPointer(mean), SendableConstPointer(inverseStd),
                           SendableConstPointer(multiplier), SendableConstPointer(offset))
    // Each chunk owns whole rows of the output and of x̂.
    parallelChunks(rows, minimumChunk: max(1, elementwiseMinimumChunk / max(1, channels))) { range in
        for row in range {
            let x = source.base + row * channels
            let y = target.base + row * channels
            for c in 0..<channels { y[c] = x[c] * m.base[c] + o.base[c] }
            if let hat {
                let n = hat.base + row * channels
                for c in 0..<channels { n[c] = (x[c] - mu.base[c]) * inv.base[c] }
            }
        }
    }
}

/// Accumulates gammaGradient += Σ dy·x̂ and betaGradient += Σ dy; writes inputGradient:
/// with batch statistics dx = gamma·inverseStd·(dy − mean(dy) − x̂·mean(dy·x̂)) (the mean
/// and variance depend on x), with moving statistics dx = dy·gamma·inverseStd.
/// `normalized` is needed with batch statistics and for the gamma gradient.
public func batchNormBackward(outputGradient: UnsafePointer<Float>, normalized: UnsafePointer<Float>?,
                              gamma: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
                              gammaGradient: UnsafeMutablePointer<Float>?, betaGradient: UnsafeMutablePointer<Float>?,
                              inputGradient: UnsafeMutablePointer<Float>?, rows: Int, channels: Int, batchStatistics: Bool) {
    precondition(normalized != nil || (!batchStatistics && gammaGradient == nil),
                 "batchNormBackward needs x̂ for batch statistics and for the gamma gradient")
    let needSums = gammaGradient != nil || betaGradient != nil || (batchStatistics && inputGradient != nil)
    var sumDy = [Double](repeating: 0, count: channels)
    var sumDyHat = [Double](repeating: 0, count: channels)
    let upstream = SendableConstPointer(outputGradient)
    if needSums {
        let hat = normalized.map { SendableConstPointer($0) }
        // Both sums in one pass: [Σ dy | Σ dy·x̂].
        let sums = channelPartialSums(rows: rows, width: 2 * channels) { range, accumulator in
            let dyHat = accumulator + channels
            for row in range {
                let dy = upstream.base + row * channels
                for c in 0..<channels { accumulator[c] += Double(dy[c]) }
                if let hat {
                    let n = hat.base + row * channels
                    for c in 0..<channels { dyHat[c] += Double(dy[c] * n[c]) }
                }
            }
        }
        sumDy = Array(sums[0..<channels])
        sumDyHat = Array(sums[channels...])
    }
    if let gammaGradient {
        for c in 0..<channels { gammaGradient[c] += Float(sumDyHat[c]) }
    }
    if let betaGradient {
        for c in 0..<channels { betaGradient[c] += Float(sumDy[c]) }
    }
    guard let inputGradient else { return }
    var scale = [Float](repeating: 0, count: channels)
    var meanDy = [Float](repeating: 0, count: channels)
    var meanDyHat = [Float](repeating: 0, count: channels)
    for c in 0..<channels {
        scale[c] = gamma[c] * inverseStd[c]
        if batchStatistics && rows > 0 {
            meanDy[c] = Float(sumDy[c] / Double(rows))
            meanDyHat[c] = Float(sumDyHat[c] / Double(rows))
        }
    }
    let target = SendablePointer(inputGradient)
    scale.withUnsafeBufferPointer { scaleBuffer in
        meanDy.withUnsafeBufferPointer { meanDyBuffer in
            meanDyHat.withUnsafeBufferPointer { meanDyHatBuffer in
                let (k, a, b) = (SendableConstPointer(scaleBuffer.baseAddress!), SendableConstPointer(meanDyBuffer.baseAddress!),
                                 SendableConstPointer(meanDyHatBuffer.baseAddress!))
                let hat = normalized.map { SendableConstPointer($0) }
                // Each chunk owns whole rows of the input gradient.
                parallelChunks(rows, minimumChunk: max(1, elementwiseMinimumChunk / max(1, channels))) { range in
                    for row in range {
                        let dy = upstream.base + row * channels
                        let dx = target.base + row * channels
                        if batchStatistics, let hat {
                            let n = hat.base + row * channels
                            for c in 0..<channels { dx[c] = k.base[c] * (dy[c] - a.base[c] - n[c] * b.base[c]) }
                        } else {
                            for c in 0..<channels { dx[c] = dy[c] * k.base[c] }
                        }
                    }
                }
            }
        }
    }
}

/// Column sums of per-row contributions, computed by `body(rowRange, accumulator)` on
/// up to `Engine.threadCount` row ranges, each into its own zeroed Float64 accumulator
/// of `width` values; the partial sums are added at the end in a fixed order, so the
/// result does not depend on thread timing.
func channelPartialSums(rows: Int, width: Int,
                        _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
    let parts = max(1, min(Engine.threadCount, rows / 2048))
    let partials = UnsafeMutablePointer<Double>.allocate(capacity: parts * max(1, width))
    defer { partials.deallocate() }
    partials.initialize(repeating: 0, count: parts * max(1, width))
    let shared = SendablePointer(partials)
    let perPart = (rows + parts - 1) / parts
    // Part p writes only its own accumulator, partials[p·width ..< (p+1)·width].
    parallelChunks(parts) { partRange in
        for part in partRange {
            let start = part * perPart
            let end = min(rows, start + perPart)
            if start < end { body(start..<end, shared.base + part * width) }
        }
    }
    var total = [Double](repeating: 0, count: width)
    for part in 0..<parts {
        let partial = partials + part * width
        for j in 0..<width { total[j] += partial[j] }
    }
    return total
}
