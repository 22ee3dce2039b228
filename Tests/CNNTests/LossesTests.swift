import XCTest
@testable import CNN

/// Naive Float64 references for the losses, written from the Keras formulas, and
/// central finite differences of them to check the analytic gradients.
private enum Reference {
    static func logSumExp(_ z: [Double]) -> Double {
        let m = z.max()!
        return m + log(z.reduce(0) { $0 + exp($1 - m) })
    }

    /// Σᵢ wᵢ·Σₖ yᵢₖ·(lse(zᵢ) − zᵢₖ) / N with y smoothed to y·(1 − ls) + ls / K.
    static func softmaxCrossEntropy(_ logits: [Double], _ targets: [Double], classes: Int, smoothing: Double,
                                    weights: [Double]?) -> Double {
        let rows = logits.count / classes
        var total = 0.0
        for row in 0..<rows {
            let z = Array(logits[(row * classes)..<((row + 1) * classes)])
            let lse = logSumExp(z)
            var loss = 0.0
            for k in 0..<classes {
                let y = targets[row * classes + k] * (1 - smoothing) + smoothing / Double(classes)
                loss += y * (lse - z[k])
            }
            total += (weights?[row] ?? 1) * loss
        }
        return total / Double(rows)
    }

    /// Mean over each row of max(x, 0) − x·t + log(1 + e^−|x|), weighted, over N.
    static func sigmoidCrossEntropy(_ logits: [Double], _ targets: [Double], width: Int, smoothing: Double,
                                    weights: [Double]?) -> Double {
        let rows = logits.count / width
        var total = 0.0
        for row in 0..<rows {
            var loss = 0.0
            for j in 0..<width {
                let x = logits[row * width + j]
                let t = targets[row * width + j] * (1 - smoothing) + 0.5 * smoothing
                loss += max(x, 0) - x * t + log1p(exp(-abs(x)))
            }
            total += (weights?[row] ?? 1) * loss / Double(width)
        }
        return total / Double(rows)
    }

    static func binaryCrossEntropy(_ p: [Double], _ targets: [Double], width: Int, smoothing: Double) -> Double {
        let rows = p.count / width
        var total = 0.0
        for i in 0..<p.count {
            let clipped = min(max(p[i], 1e-7), 1 - 1e-7)
            let t = targets[i] * (1 - smoothing) + 0.5 * smoothing
            total -= t * log(clipped) + (1 - t) * log(1 - clipped)
        }
        return total / Double(rows * width)
    }

    static func numericGradient(_ values: [Float], step: Double = 1e-4, _ loss: ([Double]) -> Double) -> [Float] {
        let base = values.map(Double.init)
        return (0..<base.count).map { i in
            var plus = base, minus = base
            plus[i] += step
            minus[i] -= step
            return Float((loss(plus) - loss(minus)) / (2 * step))
        }
    }
}

final class LossesTests: XCTestCase {
    private let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])

    func testSoftmaxCrossEntropyHandComputed() throws {
        // Row 1: log(e + e² + e³) − 3 = 0.4076059644; row 2: log 3 = 1.0986122887.
        let result = try softmaxCrossEntropy(logits: logits, labels: [2, 0])
        XCTAssertEqual(result.loss, 0.7531091266, accuracy: 1e-6)
        // Gradient = (softmax − one-hot) / N.
        let e: [Double] = [exp(1.0), exp(2.0), exp(3.0)]
        let total: Double = e.reduce(0, +)
        let s: [Double] = e.map { $0 / total }
        let third: Double = 1.0 / 3
        let rows: [Double] = [s[0], s[1], s[2] - 1, third - 1, third, third]
        let expected: [Float] = rows.map { Float($0 / 2) }
        assertClose(result.gradient.scalars, expected, absolute: 1e-7, relative: 1e-5)
        XCTAssertEqual(result.gradient.shape, [2, 3])
    }

    func testLabelSmoothingHandComputed() throws {
        // K = 3, ls = 0.3: targets [0.1, 0.1, 0.8]; −log softmax = [2.4076, 1.4076, 0.4076].
        let result = try softmaxCrossEntropy(logits: Tensor(shape: [1, 3], scalars: [1, 2, 3]), labels: [2], labelSmoothing: 0.3)
        XCTAssertEqual(result.loss, 0.1 * 2.4076059644 + 0.1 * 1.4076059644 + 0.8 * 0.4076059644, accuracy: 1e-6)
    }

    func testClassWeightsDivideByBatchSizeNotByWeightSum() throws {
        // Keras: class_weight → sample_weight, then "sum_over_batch_size" divides by N = 2.
        let result = try softmaxCrossEntropy(logits: logits, labels: [2, 0], classWeights: [1, 2, 0.5])
        XCTAssertEqual(result.loss, (0.5 * 0.4076059644 + 1 * 1.0986122887) / 2, accuracy: 1e-6)
    }

    func testSoftmaxGradientsByFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 101)
        let logits = generator.uniformTensor(shape: [4, 5], low: -3, high: 3)
        let labels = [4, 0, 2, 2]
        let weights: [Float] = [0.5, 1, 2, 1.5, 0.25]
        for (smoothing, classWeights) in [(Float(0), nil), (0.1, nil), (0, weights), (0.2, weights)] as [(Float, [Float]?)] {
            let result = try softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: smoothing, classWeights: classWeights)
            var oneHot = [Double](repeating: 0, count: 20)
            for (row, label) in labels.enumerated() { oneHot[row * 5 + label] = 1 }
            let rowWeights = classWeights.map { w in labels.map { Double(w[$0]) } }
            let reference = { (z: [Double]) in
                Reference.softmaxCrossEntropy(z, oneHot, classes: 5, smoothing: Double(smoothing), weights: rowWeights)
            }
            XCTAssertEqual(Double(result.loss), reference(logits.scalars.map(Double.init)), accuracy: 1e-5,
                           "loss, smoothing \(smoothing), weighted \(classWeights != nil)")
            assertClose(result.gradient.scalars, Reference.numericGradient(logits.scalars, reference), absolute: 1e-5,
                        relative: 1e-3, "gradient, smoothing \(smoothing), weighted \(classWeights != nil)")
        }
    }

    func testSoftTargetsMatchLabelsAndTheirGradientIsChecked() throws {
        var generator = SeededGenerator(seed: 102)
        let logits = generator.uniformTensor(shape: [3, 4], low: -2, high: 2)
        var oneHot = [Float](repeating: 0, count: 12)
        for (row, label) in [1, 3, 0].enumerated() { oneHot[row * 4 + label] = 1 }
        let fromLabels = try softmaxCrossEntropy(logits: logits, labels: [1, 3, 0], labelSmoothing: 0.1, classWeights: [1, 2, 3, 4])
        let fromTargets = try softmaxCrossEntropy(logits: logits, targets: Tensor(shape: [3, 4], scalars: oneHot),
                                                  labelSmoothing: 0.1, classWeights: [1, 2, 3, 4])
        XCTAssertEqual(fromLabels.loss, fromTargets.loss)
        XCTAssertEqual(fromLabels.gradient, fromTargets.gradient)

        // Soft targets (rows summing to 1 or not): class weight from the argmax.
        let soft: [Float] = [0.2, 0.5, 0.3, 0, 0.1, 0.1, 0.1, 0.7, 0.6, 0.2, 0.2, 0.4]
        let result = try softmaxCrossEntropy(logits: logits, targets: Tensor(shape: [3, 4], scalars: soft), classWeights: [1, 2, 3, 4])
        let reference = { (z: [Double]) in
            Reference.softmaxCrossEntropy(z, soft.map(Double.init), classes: 4, smoothing: 0, weights: [2, 4, 1])
        }
        XCTAssertEqual(Double(result.loss), reference(logits.scalars.map(Double.init)), accuracy: 1e-5)
        assertClose(result.gradient.scalars, Reference.numericGradient(logits.scalars, reference), absolute: 1e-5, relative: 1e-3)
    }

    func testHugeLogitsStayFinite() throws {
        let huge = Tensor(shape: [2, 3], scalars: [1e4, -1e4, 0, -1e4, -1e4, 1e4])
        let result = try softmaxCrossEntropy(logits: huge, labels: [1, 2], labelSmoothing: 0.1)
        XCTAssertTrue(result.loss.isFinite)
        XCTAssertTrue(result.gradient.scalars.allSatisfy(\.isFinite))
        let plain = try softmaxCrossEntropy(logits: huge, labels: [1, 2])
        XCTAssertEqual(plain.loss, (2e4 + 0) / 2, accuracy: 1)
        assertClose(plain.gradient.scalars, [0.5, -0.5, 0, 0, 0, 0], absolute: 1e-6, relative: 0)

        let sigmoid = try sigmoidCrossEntropy(logits: Tensor(shape: [2, 1], scalars: [1e4, -1e4]),
                                              targets: Tensor(shape: [2, 1], scalars: [0, 0]))
        XCTAssertEqual(sigmoid.loss, 1e4 / 2, accuracy: 1e-2)
        assertClose(sigmoid.gradient.scalars, [0.5, 0], absolute: 1e-6, relative: 0)
    }

    func testRefusesBadLabels() {
        XCTAssertThrowsError(try softmaxCrossEntropy(logits: logits, labels: [3, 0]))
        XCTAssertThrowsError(try softmaxCrossEntropy(logits: logits, labels: [1]))
        XCTAssertThrowsError(try softmaxCrossEntropy(logits: logits, labels: [1, 0], classWeights: [1, 2]))
        XCTAssertThrowsError(try softmaxCrossEntropy(logits: logits, labels: [1, 0], labelSmoothing: 1.5))
    }

    func testSigmoidCrossEntropyHandComputed() throws {
        // Elements: x 0, t 1 → log 2; x 2, t 0 → 2 + log(1 + e⁻²) = 2.1269280110. One row, mean over D = 2.
        let result = try sigmoidCrossEntropy(logits: Tensor(shape: [1, 2], scalars: [0, 2]),
                                             targets: Tensor(shape: [1, 2], scalars: [1, 0]))
        XCTAssertEqual(result.loss, (0.6931471806 + 2.1269280110) / 2, accuracy: 1e-6)
        let sigmoid2 = 1 / (1 + exp(-2.0))
        assertClose(result.gradient.scalars, [Float((0.5 - 1) / 2), Float(sigmoid2 / 2)], absolute: 1e-7, relative: 1e-5)
        // Keras binary smoothing pulls towards 0.5: target 1 with ls 0.2 is 0.9.
        let smoothed = try sigmoidCrossEntropy(logits: Tensor(shape: [1, 1], scalars: [0]),
                                               targets: Tensor(shape: [1, 1], scalars: [1]), labelSmoothing: 0.2)
        assertClose(smoothed.gradient.scalars, [0.5 - 0.9], absolute: 1e-7, relative: 0)
    }

    func testSigmoidGradientsByFiniteDifferencesWithClassWeights() throws {
        var generator = SeededGenerator(seed: 103)
        let logits = generator.uniformTensor(shape: [5, 1], low: -4, high: 4)
        let targets: [Float] = [1, 0, 1, 1, 0]
        for (smoothing, classWeights) in [(Float(0), nil), (0.1, [1, 3])] as [(Float, [Float]?)] {
            let result = try sigmoidCrossEntropy(logits: logits, targets: Tensor(shape: [5, 1], scalars: targets),
                                                 labelSmoothing: smoothing, classWeights: classWeights)
            let rowWeights = classWeights.map { w in targets.map { Double(w[Int($0)]) } }
            let reference = { (x: [Double]) in
                Reference.sigmoidCrossEntropy(x, targets.map(Double.init), width: 1, smoothing: Double(smoothing), weights: rowWeights)
            }
            XCTAssertEqual(Double(result.loss), reference(logits.scalars.map(Double.init)), accuracy: 1e-5)
            assertClose(result.gradient.scalars, Reference.numericGradient(logits.scalars, reference), absolute: 1e-5, relative: 1e-3)
        }
        // Multi-label (N, D): mean over D, then over N.
        let wide = generator.uniformTensor(shape: [3, 4], low: -3, high: 3)
        let labels: [Float] = [1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0]
        let result = try sigmoidCrossEntropy(logits: wide, targets: Tensor(shape: [3, 4], scalars: labels))
        let reference = { (x: [Double]) in
            Reference.sigmoidCrossEntropy(x, labels.map(Double.init), width: 4, smoothing: 0, weights: nil)
        }
        XCTAssertEqual(Double(result.loss), reference(wide.scalars.map(Double.init)), accuracy: 1e-5)
        assertClose(result.gradient.scalars, Reference.numericGradient(wide.scalars, reference), absolute: 1e-5, relative: 1e-3)
    }

    func testBinaryCrossEntropyFromProbabilities() throws {
        // p 0.5, t 1 → log 2; p 0 is clipped to 1e-7: −log 1e-7 = 16.1180956510, with no gradient.
        let result = try binaryCrossEntropy(probabilities: Tensor(shape: [1, 2], scalars: [0.5, 0]),
                                            targets: Tensor(shape: [1, 2], scalars: [1, 1]))
        XCTAssertEqual(result.loss, (0.6931471806 + 16.1180956510) / 2, accuracy: 1e-4)
        assertClose(result.gradient.scalars, [-1, 0], absolute: 1e-6, relative: 1e-5)

        var generator = SeededGenerator(seed: 104)
        let p = generator.uniformTensor(shape: [3, 2], low: 0.05, high: 0.95)
        let targets: [Float] = [1, 0, 0, 0, 1, 1]
        let bce = try binaryCrossEntropy(probabilities: p, targets: Tensor(shape: [3, 2], scalars: targets), labelSmoothing: 0.1)
        let reference = { (q: [Double]) in
            Reference.binaryCrossEntropy(q, targets.map(Double.init), width: 2, smoothing: 0.1)
        }
        XCTAssertEqual(Double(bce.loss), reference(p.scalars.map(Double.init)), accuracy: 1e-5)
        assertClose(bce.gradient.scalars, Reference.numericGradient(p.scalars, step: 1e-5, reference), absolute: 1e-4, relative: 1e-3)
        // Saturated probabilities stay finite.
        let saturated = try binaryCrossEntropy(probabilities: Tensor(shape: [2, 1], scalars: [1, 0]),
                                               targets: Tensor(shape: [2, 1], scalars: [0, 1]))
        XCTAssertTrue(saturated.loss.isFinite)
        XCTAssertTrue(saturated.gradient.scalars.allSatisfy(\.isFinite))
    }
}
