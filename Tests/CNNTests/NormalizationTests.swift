import XCTest
@testable import CNN

final class NormalizationTests: XCTestCase {
    func testMatchesKerasFormulaPerChannel() throws {
        let mean: [Float] = [0.485, 0.456, 0.406]
        let variance: [Float] = [0.052441, 0.050176, 0.050625]
        var generator = SeededGenerator(seed: 91)
        let input = generator.uniformTensor(shape: [2, 2, 3, 3], low: 0, high: 1)
        let layer = Normalization(name: "normalization", mean: mean, variance: variance)
        let output = try layer.forward(input, training: false)
        let expected = (0..<input.count).map { i -> Float in
            let c = i % 3
            return Float((Double(input.scalars[i]) - Double(mean[c])) / Double(variance[c]).squareRoot())
        }
        assertClose(output.scalars, expected, absolute: 1e-5, relative: 1e-5)
        XCTAssertEqual(layer.parameters.map(\.name), ["mean", "variance", "count"])
        XCTAssertTrue(layer.parameters.allSatisfy { !$0.isTrainable && $0.role == .statistic })
    }

    func testZeroVarianceDividesByEpsilon() throws {
        // Keras: (x − mean) / max(√variance, 1e-7); ε is not added to the variance.
        let layer = Normalization(name: "n", mean: [1, 2], variance: [0, 4])
        let output = try layer.forward(Tensor(shape: [1, 2], scalars: [1.5, 6]), training: true)
        assertClose(output.scalars, [0.5 / 1e-7, 2], absolute: 0, relative: 1e-6)
        let gradient = try XCTUnwrap(try layer.backward(Tensor(shape: [1, 2], scalars: [1, 1]), inputGradient: true))
        assertClose(gradient.scalars, [1e7, 0.5], absolute: 0, relative: 1e-6)
        // A tiny but non-zero variance is guarded the same way.
        let tiny = Normalization(name: "t", mean: [0], variance: [1e-16])
        assertClose(try tiny.forward(Tensor(shape: [1, 1], scalars: [1]), training: false).scalars, [1e7], absolute: 0, relative: 1e-6)
    }

    func testInvert() throws {
        let layer = Normalization(name: "n", mean: [1, 2], variance: [4, 9], invert: true)
        let output = try layer.forward(Tensor(shape: [1, 2], scalars: [1, -1]), training: false)
        XCTAssertEqual(output.scalars, [3, -1])
    }

    func testConfigStatisticsHaveNoWeights() {
        let layer = Normalization(name: "n", mean: [3], variance: [2], storesStatistics: false)
        XCTAssertTrue(layer.parameters.isEmpty)
        let adapted = Normalization(name: "a", channels: 4)
        XCTAssertEqual(adapted.mean.value.scalars, [0, 0, 0, 0])
        XCTAssertEqual(adapted.variance.value.scalars, [1, 1, 1, 1])
    }

    func testLoadedStatisticsTakeEffect() throws {
        let layer = Normalization(name: "n", channels: 2)
        try layer.mean.assign(Tensor(shape: [2], scalars: [1, 1]))
        try layer.variance.assign(Tensor(shape: [2], scalars: [4, 16]))
        XCTAssertEqual(try layer.forward(Tensor(shape: [1, 2], scalars: [3, 5]), training: false).scalars, [1, 1])
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 92)
        let layer = Normalization(name: "n", mean: [0.1, -0.2, 0.3], variance: [0.5, 2, 1.5])
        try checkGradients(of: layer, inputs: [generator.uniformTensor(shape: [2, 2, 3])])
        XCTAssertThrowsError(try layer.outputShape(for: [2, 4]))
    }
}
