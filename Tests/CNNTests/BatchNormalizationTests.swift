import XCTest
@testable import CNN

/// Per-channel mean and biased variance in Float64, the plain way.
private func naiveMoments(_ input: Tensor) -> (mean: [Double], variance: [Double]) {
    let channels = input.shape.last!
    let rows = input.count / channels
    var mean = [Double](repeating: 0, count: channels)
    var variance = [Double](repeating: 0, count: channels)
    for c in 0..<channels {
        var sum = 0.0
        for r in 0..<rows { sum += Double(input.scalars[r * channels + c]) }
        mean[c] = sum / Double(rows)
        var squares = 0.0
        for r in 0..<rows {
            let d = Double(input.scalars[r * channels + c]) - mean[c]
            squares += d * d
        }
        variance[c] = squares / Double(rows)
    }
    return (mean, variance)
}

/// gamma·(x − mean)/√(variance + epsilon) + beta, element by element.
private func naiveNormalize(_ input: Tensor, mean: [Double], variance: [Double], gamma: [Float]?, beta: [Float]?,
                            epsilon: Float) -> [Float] {
    let channels = input.shape.last!
    var result = [Float](repeating: 0, count: input.count)
    for i in 0..<input.count {
        let c = i % channels
        let normalized = (Double(input.scalars[i]) - mean[c]) / (variance[c] + Double(epsilon)).squareRoot()
        result[i] = Float(normalized * Double(gamma?[c] ?? 1) + Double(beta?[c] ?? 0))
    }
    return result
}

final class BatchNormalizationTests: XCTestCase {
    private func makeLayer(channels: Int, seed: UInt64, center: Bool = true, scale: Bool = true,
                           epsilon: Float = 1e-3) -> BatchNormalization {
        var generator = SeededGenerator(seed: seed)
        let layer = BatchNormalization(name: "bn", channels: channels, epsilon: epsilon, center: center, scale: scale)
        layer.gamma?.value = generator.uniformTensor(shape: [channels], low: 0.5, high: 1.5)
        layer.beta?.value = generator.uniformTensor(shape: [channels], low: -0.5, high: 0.5)
        layer.movingMean.value = generator.uniformTensor(shape: [channels], low: -1, high: 1)
        layer.movingVariance.value = generator.uniformTensor(shape: [channels], low: 0.2, high: 2)
        return layer
    }

    func testParametersInKerasOrder() {
        XCTAssertEqual(BatchNormalization(name: "bn", channels: 3).parameters.map(\.name),
                       ["gamma", "beta", "moving_mean", "moving_variance"])
        XCTAssertEqual(BatchNormalization(name: "bn", channels: 3, center: false).parameters.map(\.name),
                       ["gamma", "moving_mean", "moving_variance"])
        XCTAssertEqual(BatchNormalization(name: "bn", channels: 3, scale: false).parameters.map(\.name),
                       ["beta", "moving_mean", "moving_variance"])
        let layer = BatchNormalization(name: "bn", channels: 3)
        XCTAssertFalse(layer.movingMean.isTrainable)
        XCTAssertFalse(layer.movingVariance.isTrainable)
        layer.movingVariance.isTrainable = true
        XCTAssertFalse(layer.movingVariance.isTrainable, "moving statistics are never trainable")
    }

    func testInferenceForwardUsesMovingStatistics() throws {
        var generator = SeededGenerator(seed: 21)
        for (center, scale) in [(true, true), (false, true), (true, false), (false, false)] {
            let layer = makeLayer(channels: 5, seed: 22, center: center, scale: scale)
            let input = generator.uniformTensor(shape: [2, 3, 4, 5], low: -2, high: 2)
            let output = try layer.forward(input, training: false)
            let expected = naiveNormalize(input, mean: layer.movingMean.value.scalars.map(Double.init),
                                          variance: layer.movingVariance.value.scalars.map(Double.init),
                                          gamma: layer.gamma?.value.scalars, beta: layer.beta?.value.scalars, epsilon: 1e-3)
            assertClose(output.scalars, expected, "center \(center), scale \(scale)")
        }
    }

    func testTrainingForwardUsesBatchStatistics() throws {
        var generator = SeededGenerator(seed: 23)
        for shape in [[2, 3, 5, 17], [4, 3], [1, 1, 1, 3], [3, 2, 2, 5]] {
            let layer = makeLayer(channels: shape.last!, seed: 24)
            let input = generator.uniformTensor(shape: shape, low: -3, high: 5)
            let output = try layer.forward(input, training: true)
            let (mean, variance) = naiveMoments(input)
            let expected = naiveNormalize(input, mean: mean, variance: variance, gamma: layer.gamma?.value.scalars,
                                          beta: layer.beta?.value.scalars, epsilon: 1e-3)
            assertClose(output.scalars, expected, "shape \(shape)")
        }
    }

    func testMovingAverageUpdate() throws {
        let layer = BatchNormalization(name: "bn", channels: 2, momentum: 0.9)
        // Channel 0: 1, 3 (mean 2, biased variance 1); channel 1: 2, 6 (mean 4, biased variance 4).
        let input = Tensor(shape: [2, 2], scalars: [1, 2, 3, 6])
        _ = try layer.forward(input, training: true)
        assertClose(layer.movingMean.value.scalars, [0.2, 0.4], absolute: 1e-6, relative: 1e-6)
        // Biased (population) variance, as Keras: 0.9·1 + 0.1·[1, 4]. The unbiased one would give [1.1, 1.7].
        assertClose(layer.movingVariance.value.scalars, [1.0, 1.3], absolute: 1e-6, relative: 1e-6)
        _ = try layer.forward(input, training: true)
        assertClose(layer.movingMean.value.scalars, [0.38, 0.76], absolute: 1e-6, relative: 1e-6)
        assertClose(layer.movingVariance.value.scalars, [1.0, 1.57], absolute: 1e-6, relative: 1e-6)
        // Inference leaves them alone.
        _ = try layer.forward(input, training: false)
        assertClose(layer.movingMean.value.scalars, [0.38, 0.76], absolute: 1e-6, relative: 1e-6)
    }

    func testTFKerasMovingVarianceIsUnbiasedForImages() throws {
        // tf-keras's fused kernel (4-D input) folds in the unbiased variance; rank 2 stays biased.
        let image = BatchNormalization(name: "bn", channels: 2, momentum: 0.9)
        image.movingVarianceUpdate = .tfKeras
        // Channel 0: 1, 3 (biased variance 1, unbiased 2); channel 1: 2, 6 (4 and 8).
        _ = try image.forward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 6]), training: true)
        assertClose(image.movingVariance.value.scalars, [1.1, 1.7], absolute: 1e-6, relative: 1e-6)
        assertClose(image.movingMean.value.scalars, [0.2, 0.4], absolute: 1e-6, relative: 1e-6)
        let vector = BatchNormalization(name: "bn", channels: 2, momentum: 0.9)
        vector.movingVarianceUpdate = .tfKeras
        _ = try vector.forward(Tensor(shape: [2, 2], scalars: [1, 2, 3, 6]), training: true)
        assertClose(vector.movingVariance.value.scalars, [1.0, 1.3], absolute: 1e-6, relative: 1e-6)
    }

    func testFrozenLayerRunsInInferenceModeWhileTraining() throws {
        var generator = SeededGenerator(seed: 25)
        let layer = makeLayer(channels: 3, seed: 26)
        layer.isTrainable = false
        let before = (layer.movingMean.value, layer.movingVariance.value)
        let input = generator.uniformTensor(shape: [2, 2, 2, 3])
        let trainingOutput = try layer.forward(input, training: true)
        let inferenceOutput = try layer.forward(input, training: false)
        XCTAssertEqual(trainingOutput, inferenceOutput)
        XCTAssertEqual(layer.movingMean.value, before.0)
        XCTAssertEqual(layer.movingVariance.value, before.1)
        XCTAssertFalse(layer.gamma!.isTrainable)
    }

    func testStatisticsStayAccurateForLargeOffsets() throws {
        // A naive Float32 E[x²] − E[x]² loses this variance completely.
        let layer = BatchNormalization(name: "bn", channels: 1, momentum: 0)
        let input = Tensor(shape: [8, 1], scalars: (0..<8).map { 10_000 + Float($0 % 2) })
        _ = try layer.forward(input, training: true)
        XCTAssertEqual(layer.movingMean.value.scalars[0], 10_000.5)
        XCTAssertEqual(layer.movingVariance.value.scalars[0], 0.25)
    }

    func testStatisticsSplitAcrossThreads() throws {
        let saved = Engine.threadCount
        Engine.threadCount = 3
        defer { Engine.threadCount = saved }
        var generator = SeededGenerator(seed: 27)
        // 2·47·47 = 4418 rows: more than one partial-sum part, unevenly split.
        let input = generator.uniformTensor(shape: [2, 47, 47, 3], low: -1, high: 3)
        var mean = [Float](repeating: 0, count: 3)
        var variance = [Float](repeating: 0, count: 3)
        input.withPointer { x in batchNormStatistics(input: x, rows: 4418, channels: 3, mean: &mean, variance: &variance) }
        let expected = naiveMoments(input)
        assertClose(mean, expected.mean.map(Float.init), absolute: 1e-6, relative: 1e-6, "mean")
        assertClose(variance, expected.variance.map(Float.init), absolute: 1e-6, relative: 1e-6, "variance")
    }

    func testInferenceAffineFoldsTheLayer() throws {
        var generator = SeededGenerator(seed: 28)
        let layer = makeLayer(channels: 4, seed: 29)
        let input = generator.uniformTensor(shape: [3, 4])
        let output = try layer.forward(input, training: false)
        let (multiplier, offset) = layer.inferenceAffine()
        let folded = input.scalars.enumerated().map { $0.element * multiplier[$0.offset % 4] + offset[$0.offset % 4] }
        assertClose(output.scalars, folded, absolute: 1e-6, relative: 1e-6)
    }

    func testGradientsWithBatchStatistics() throws {
        var generator = SeededGenerator(seed: 30)
        // Float32 forward passes through a normalization: a larger variance epsilon and spread-out
        // inputs keep the finite differences well conditioned; a wrong term (e.g. dropping the
        // mean(dy·x̂) correction) changes the input gradient by O(0.1–1), far above the tolerance.
        for (center, scale) in [(true, true), (false, false), (true, false)] {
            let layer = makeLayer(channels: 3, seed: 31, center: center, scale: scale, epsilon: 1e-2)
            let input = generator.uniformTensor(shape: [2, 2, 3, 3], low: -2, high: 2)
            try checkGradients(of: layer, inputs: [input], epsilon: 1e-2, tolerance: 5e-3)
        }
    }

    func testGradientsOfFrozenLayer() throws {
        var generator = SeededGenerator(seed: 32)
        let layer = makeLayer(channels: 5, seed: 33)
        layer.isTrainable = false
        try checkGradients(of: layer, inputs: [generator.uniformTensor(shape: [2, 2, 2, 5])], epsilon: 1e-2, tolerance: 2e-3)
        XCTAssertEqual(layer.gamma!.gradient.scalars, [Float](repeating: 0, count: 5))
        XCTAssertEqual(layer.beta!.gradient.scalars, [Float](repeating: 0, count: 5))
    }

    func testGradientsWithMovingStatisticsAndTrainableAffine() throws {
        var generator = SeededGenerator(seed: 34)
        let layer = makeLayer(channels: 3, seed: 35)
        layer.usesMovingStatisticsInTraining = true
        let before = layer.movingMean.value
        try checkGradients(of: layer, inputs: [generator.uniformTensor(shape: [3, 2, 1, 3])], epsilon: 1e-2, tolerance: 2e-3)
        XCTAssertEqual(layer.movingMean.value, before)
        XCTAssertNotEqual(layer.gamma!.gradient.scalars, [0, 0, 0])
    }

    func testBackwardAccumulatesParameterGradients() throws {
        var generator = SeededGenerator(seed: 36)
        let layer = makeLayer(channels: 3, seed: 37)
        let input = generator.uniformTensor(shape: [4, 3])
        let upstream = generator.uniformTensor(shape: [4, 3])
        _ = try layer.forward(input, training: true)
        XCTAssertNil(try layer.backward(upstream, inputGradient: false))
        let once = layer.gamma!.gradient.scalars
        _ = try layer.backward(upstream, inputGradient: true)
        assertClose(layer.gamma!.gradient.scalars, once.map { 2 * $0 })
        // dbeta = Σ dy per channel.
        let sums = (0..<3).map { c in (0..<4).reduce(Float(0)) { $0 + upstream.scalars[$1 * 3 + c] } }
        assertClose(layer.beta!.gradient.scalars, sums.map { 2 * $0 })
    }
}
