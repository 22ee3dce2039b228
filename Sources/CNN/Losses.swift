import Foundation

/// A loss value and its gradient with respect to the predictions (logits or
/// probabilities), ready to feed `Graph.backward`.
public struct LossAndGradient {
    /// Keras's default reduction, "sum_over_batch_size": the sum of the (weighted)
    /// per-sample losses divided by the number of samples.
    public var loss: Float
    public var gradient: Tensor

    public init(loss: Float, gradient: Tensor) {
        self.loss = loss
        self.gradient = gradient
    }
}

// Keras semantics followed here (keras-team/keras):
// - Label smoothing: `keras/src/losses/losses.py`. categorical_crossentropy uses
//   y·(1 − ls) + ls / K over the K classes; binary_crossentropy uses y·(1 − ls) + 0.5·ls.
// - Reduction: `keras/src/losses/loss.py` `reduce_values`: "sum_over_batch_size" sums the
//   weighted per-sample losses and divides by their *number*, not by the sum of the weights
//   (that would be "mean_with_sample_weight").
// - Class weights: `keras/src/trainers/data_adapters/data_adapter_utils.py`
//   `class_weight_to_sample_weights`: `fit(class_weight=...)` becomes a sample weight, the
//   weight of each sample's true class (argmax of a one-hot/soft target, the rounded value
//   of a single binary target), so a weighted batch loss is Σ wᵢ·lossᵢ / N.
// - binary_crossentropy averages over the last axis per sample (`ops.mean(..., axis=-1)`),
//   then over the batch. From logits, the TensorFlow backend uses
//   `tf.nn.sigmoid_cross_entropy_with_logits`; from probabilities it clips to
//   [ε, 1 − ε] with ε = 1e-7 and takes logs (`keras/src/backend/tensorflow/nn.py`;
//   tf-keras also adds ε inside the logs, Keras 3 does not, and we follow Keras 3).

/// Softmax cross-entropy from logits (N, K) with integer labels: Keras's
/// `CategoricalCrossentropy(from_logits=True, label_smoothing=ls)` on one-hot labels,
/// with `fit(class_weight=...)` given as `classWeights[k]` for each class k.
///
/// Computed fused through log-sum-exp, so logits of any magnitude give a finite loss.
public func softmaxCrossEntropy(logits: Tensor, labels: [Int], labelSmoothing: Float = 0,
                                classWeights: [Float]? = nil) throws -> LossAndGradient {
    let (rows, classes) = try lossRowsAndClasses(logits, what: "logits")
    guard labels.count == rows else {
        throw EngineError.shapeMismatch(what: "labels for softmax cross-entropy", expected: [rows], actual: [labels.count])
    }
    if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
        throw EngineError.invalidConfiguration(layer: "softmax cross-entropy", reason: "label \(bad) outside 0..<\(classes)")
    }
    var oneHot = [Float](repeating: 0, count: rows * classes)
    for (row, label) in labels.enumerated() { oneHot[row * classes + label] = 1 }
    return try softmaxCrossEntropy(logits: logits, targets: Tensor(shape: logits.shape, scalars: oneHot),
                                   labelSmoothing: labelSmoothing, classWeights: classWeights)
}

/// Softmax cross-entropy from logits (N, K) with one-hot or soft targets of the same shape.
/// A sample's class, for `classWeights`, is the argmax of its target, as in Keras.
public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float = 0,
                                classWeights: [Float]? = nil) throws -> LossAndGradient {
    let (rows, classes) = try lossRowsAndClasses(logits, what: "logits")
    try checkTargets(targets, like: logits)
    try checkLabelSmoothing(labelSmoothing)
    let weights = try sampleWeights(targets: targets, rows: rows, width: classes, classWeights: classWeights,
                                    classCount: classes)
    var smoothed = targets.scalars
    if labelSmoothing > 0 {
        let uniform = labelSmoothing / Float(classes)
        for i in 0..<smoothed.count { smoothed[i] = smoothed[i] * (1 - labelSmoothing) + uniform }
    }
    return evaluateRows(logits, targets: smoothed, sampleWeights: weights, rows: rows) { z, y, w, dz in
        softmaxCrossEntropyRows(logits: z, targets: y, sampleWeights: w, gradient: dz,
                                rows: rows, classes: classes, gradientScale: 1 / Float(rows))
    }
}

/// Binary cross-entropy from logits (N, D) against targets in [0, 1] of the same shape:
/// Keras's `BinaryCrossentropy(from_logits=True, label_smoothing=ls)`, in the stable form
/// max(x, 0) − x·t + log(1 + e^−|x|). `classWeights` has 2 entries when D is 1
/// (weights of class 0 and class 1), else D entries (the class being the target's argmax).
public func sigmoidCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float = 0,
                                classWeights: [Float]? = nil) throws -> LossAndGradient {
    let (rows, width, smoothed, weights) = try binaryInputs(logits, what: "logits", targets: targets,
                                                            labelSmoothing: labelSmoothing, classWeights: classWeights)
    return evaluateRows(logits, targets: smoothed, sampleWeights: weights, rows: rows) { x, t, w, dx in
        sigmoidCrossEntropyRows(logits: x, targets: t, sampleWeights: w, gradient: dx,
                                rows: rows, width: width, gradientScale: 1 / Float(rows * width))
    }
}

/// Binary cross-entropy from probabilities (N, D), Keras's `BinaryCrossentropy()`:
/// probabilities are clipped to [1e-7, 1 − 1e-7], and a clipped probability gets no
/// gradient (as through `clip_by_value`). Prefer `sigmoidCrossEntropy` on logits when training.
public func binaryCrossEntropy(probabilities: Tensor, targets: Tensor, labelSmoothing: Float = 0,
                               classWeights: [Float]? = nil) throws -> LossAndGradient {
    let (rows, width, smoothed, weights) = try binaryInputs(probabilities, what: "probabilities", targets: targets,
                                                            labelSmoothing: labelSmoothing, classWeights: classWeights)
    return evaluateRows(probabilities, targets: smoothed, sampleWeights: weights, rows: rows) { p, t, w, dp in
        binaryCrossEntropyRows(probabilities: p, targets: t, sampleWeights: w, gradient: dp,
                               rows: rows, width: width, gradientScale: 1 / Float(rows * width))
    }
}

/// Keras's `backend.epsilon()`, the clipping bound for probabilities.
public let crossEntropyEpsilon: Float = 1e-7

/// Per row: loss = Σₖ yₖ·(lse(z) − zₖ), gradient = scale·w·((Σₖ yₖ)·softmax(z) − y).
/// Writes the gradient and returns Σ_rows w·loss in Float64.
public func softmaxCrossEntropyRows(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                    sampleWeights: UnsafePointer<Float>?, gradient: UnsafeMutablePointer<Float>,
                                    rows: Int, classes: Int, gradientScale: Float) -> Double {
    var total = 0.0
    for row in 0..<rows {
        let z = logits + row * classes
        let y = targets + row * classes
        let dz = gradient + row * classes
        let weight = sampleWeights?[row] ?? 1
        let lse = crossEntropyLogSumExp(z, count: classes)
        var loss: Float = 0
        var targetSum: Float = 0
        // (lse − zₖ) is −log softmaxₖ: never huge-minus-huge, so 1e4 logits stay exact enough.
        for k in 0..<classes {
            loss += y[k] * (lse - z[k])
            targetSum += y[k]
        }
        let scale = gradientScale * weight
        for k in 0..<classes {
            dz[k] = scale * (targetSum * exp(z[k] - lse) - y[k])
        }
        total += Double(weight) * Double(loss)
    }
    return total
}

/// Per row: loss = mean over the row of max(x, 0) − x·t + log(1 + e^−|x|),
/// gradient = scale·w·(σ(x) − t). Returns Σ_rows w·loss in Float64.
public func sigmoidCrossEntropyRows(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                    sampleWeights: UnsafePointer<Float>?, gradient: UnsafeMutablePointer<Float>,
                                    rows: Int, width: Int, gradientScale: Float) -> Double {
    var total = 0.0
    for row in 0..<rows {
        let x = logits + row * width
        let t = targets + row * width
        let dx = gradient + row * width
        let weight = sampleWeights?[row] ?? 1
        var loss = 0.0
        for j in 0..<width {
            let value = x[j]
            loss += Double(max(value, 0) - value * t[j] + log1p(exp(-abs(value))))
            // σ(x) from e^−|x|, which cannot overflow.
            let e = exp(-abs(value))
            let sigmoid = value >= 0 ? 1 / (1 + e) : e / (1 + e)
            dx[j] = gradientScale * weight * (sigmoid - t[j])
        }
        total += Double(weight) * loss / Double(width)
    }
    return total
}

/// Per row: loss = mean over the row of −(t·log p + (1 − t)·log(1 − p)), p clipped to
/// [ε, 1 − ε]; gradient = scale·w·(p − t) / (p·(1 − p)) inside the clip range, 0 outside.
/// Returns Σ_rows w·loss in Float64.
public func binaryCrossEntropyRows(probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                   sampleWeights: UnsafePointer<Float>?, gradient: UnsafeMutablePointer<Float>,
                                   rows: Int, width: Int, gradientScale: Float) -> Double {
    let low = crossEntropyEpsilon
    let high = 1 - crossEntropyEpsilon
    var total = 0.0
    for row in 0..<rows {
        let p = probabilities + row * width
        let t = targets + row * width
        let dp = gradient + row * width
        let weight = sampleWeights?[row] ?? 1
        var loss = 0.0
        for j in 0..<width {
            let clipped = min(max(p[j], low), high)
            loss -= Double(t[j] * log(clipped) + (1 - t[j]) * log(1 - clipped))
            let inside = p[j] >= low && p[j] <= high
            dp[j] = inside ? gradientScale * weight * (clipped - t[j]) / (clipped * (1 - clipped)) : 0
        }
        total += Double(weight) * loss / Double(width)
    }
    return total
}

/// log Σ e^zₖ, shifted by the maximum so nothing overflows. Kept private to the losses:
/// the softmax itself belongs to `Activation`.
private func crossEntropyLogSumExp(_ z: UnsafePointer<Float>, count: Int) -> Float {
    var maximum = -Float.infinity
    for k in 0..<count { maximum = max(maximum, z[k]) }
    guard maximum.isFinite else { return maximum }
    var sum: Float = 0
    for k in 0..<count { sum += exp(z[k] - maximum) }
    return maximum + log(sum)
}

/// Rows are everything but the last axis (the batch, for (N, K) predictions).
private func lossRowsAndClasses(_ predictions: Tensor, what: String) throws -> (rows: Int, classes: Int) {
    guard predictions.rank >= 2, let classes = predictions.shape.last, classes > 0, predictions.count > 0 else {
        throw EngineError.invalidConfiguration(layer: "loss", reason: "\(what) must be (N, K) with N, K > 0, got \(predictions.shape)")
    }
    return (predictions.count / classes, classes)
}

private func checkTargets(_ targets: Tensor, like predictions: Tensor) throws {
    guard targets.shape == predictions.shape else {
        throw EngineError.shapeMismatch(what: "loss targets", expected: predictions.shape, actual: targets.shape)
    }
}

private func checkLabelSmoothing(_ labelSmoothing: Float) throws {
    guard (0...1).contains(labelSmoothing) else {
        throw EngineError.invalidConfiguration(layer: "loss", reason: "label smoothing \(labelSmoothing) is outside [0, 1]")
    }
}

private func smoothBinaryTargets(_ targets: [Float], _ labelSmoothing: Float) -> [Float] {
    guard labelSmoothing > 0 else { return targets }
    return targets.map { $0 * (1 - labelSmoothing) + 0.5 * labelSmoothing }
}

/// Keras's class_weight → sample_weight: the weight of each row's class, the class being the
/// argmax of a wider target or the rounded value of a single one. Taken from the targets
/// before smoothing, as Keras converts them in the data adapter before the loss runs.
private func sampleWeights(targets: Tensor, rows: Int, width: Int, classWeights: [Float]?,
                           classCount: Int) throws -> [Float]? {
    guard let classWeights else { return nil }
    guard classWeights.count == classCount else {
        throw EngineError.shapeMismatch(what: "class weights", expected: [classCount], actual: [classWeights.count])
    }
    var weights = [Float](repeating: 1, count: rows)
    for row in 0..<rows {
        let line = targets.scalars[(row * width)..<((row + 1) * width)]
        let label: Int
        if width == 1 {
            label = Int(line.first!.rounded(.toNearestOrEven))
        } else {
            // First maximum wins, as numpy's argmax.
            var best = line.startIndex
            for i in line.indices where line[i] > line[best] { best = i }
            label = best - line.startIndex
        }
        weights[row] = classWeights[min(max(label, 0), classCount - 1)]
    }
    return weights
}

/// Runs a row kernel over `input` (N, D) and its targets, returning the mean weighted loss and
/// the gradient the kernel wrote.
private func evaluateRows(_ input: Tensor, targets: [Float], sampleWeights: [Float]?, rows: Int,
                          kernel: (_ input: UnsafePointer<Float>, _ targets: UnsafePointer<Float>,
                                   _ weights: UnsafePointer<Float>?, _ gradient: UnsafeMutablePointer<Float>) -> Double)
    -> LossAndGradient {
    var gradient = Tensor(zeros: input.shape)
    let total = input.withPointer { x in
        targets.withUnsafeBufferPointer { t in
            gradient.withMutablePointer { dx in
                if let sampleWeights {
                    sampleWeights.withUnsafeBufferPointer { kernel(x, t.baseAddress!, $0.baseAddress, dx) }
                } else {
                    kernel(x, t.baseAddress!, nil, dx)
                }
            }
        }
    }
    return LossAndGradient(loss: Float(total / Double(rows)), gradient: gradient)
}

/// The checks and inputs the two binary cross-entropies share: sizes, smoothed targets and
/// per-sample weights (2 class weights when D is 1, else D).
private func binaryInputs(_ input: Tensor, what: String, targets: Tensor, labelSmoothing: Float, classWeights: [Float]?)
    throws -> (rows: Int, width: Int, targets: [Float], weights: [Float]?) {
    let (rows, width) = try lossRowsAndClasses(input, what: what)
    try checkTargets(targets, like: input)
    try checkLabelSmoothing(labelSmoothing)
    let weights = try sampleWeights(targets: targets, rows: rows, width: width, classWeights: classWeights,
                                    classCount: max(width, 2))
    return (rows, width, smoothBinaryTargets(targets.scalars, labelSmoothing), weights)
}
