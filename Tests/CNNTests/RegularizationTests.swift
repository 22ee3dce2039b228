import XCTest
@testable import CNN

final class RegularizationTests: XCTestCase {
    private func parameter(_ values: [Float], role: ParameterRole = .weight) -> Parameter {
        Parameter(name: role == .bias ? "bias" : "kernel", value: Tensor(shape: [values.count], scalars: values), role: role)
    }

    func testL2PenaltyAndGradient() {
        let kernel = parameter([1, -2, 3])
        kernel.gradient = Tensor(shape: [3], scalars: [0.5, 0.5, 0.5])
        let bias = parameter([10], role: .bias)
        let penalty = applyPenalty(.l2(0.01), to: [kernel, bias])
        // Keras l2: 0.01·(1 + 4 + 9); gradient 2·0.01·w, added to what was accumulated.
        XCTAssertEqual(penalty, 0.14, accuracy: 1e-7)
        assertClose(kernel.gradient.scalars, [0.52, 0.46, 0.56], absolute: 1e-7, relative: 0)
        XCTAssertEqual(bias.gradient.scalars, [0])
    }

    func testL1PenaltyAndGradient() {
        let kernel = parameter([0.5, -2, 0])
        let penalty = applyPenalty(.l1(0.1), to: [kernel])
        XCTAssertEqual(penalty, 0.25, accuracy: 1e-7)
        assertClose(kernel.gradient.scalars, [0.1, -0.1, 0], absolute: 1e-8, relative: 0)
        let both = parameter([0.5, -2])
        XCTAssertEqual(applyPenalty(.l1l2(l1: 0.1, l2: 0.01), to: [both]), 0.25 + 0.0425, accuracy: 1e-7)
        assertClose(both.gradient.scalars, [0.1 + 0.01, -0.1 - 0.04], absolute: 1e-7, relative: 0)
    }

    func testPenaltyGradientMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 121)
        let values = generator.uniformTensor(shape: [10], low: -2, high: 2).scalars
        let kernel = parameter(values)
        _ = applyPenalty(.l1l2(l1: 0.03, l2: 0.2), to: [kernel])
        let step: Float = 1e-3
        let numeric = (0..<values.count).map { i -> Float in
            var plus = values, minus = values
            plus[i] += step
            minus[i] -= step
            let up = applyPenalty(.l1l2(l1: 0.03, l2: 0.2), to: [parameter(plus)])
            let down = applyPenalty(.l1l2(l1: 0.03, l2: 0.2), to: [parameter(minus)])
            return (up - down) / (2 * step)
        }
        assertClose(kernel.gradient.scalars, numeric, absolute: 2e-3, relative: 2e-3)
    }

    func testFrozenWeightsAreNeitherPenalizedNorGiven() {
        let frozen = parameter([3])
        frozen.isTrainable = false
        XCTAssertEqual(applyPenalty(.l2(1), to: [frozen]), 0)
        XCTAssertEqual(frozen.gradient.scalars, [0])
        let bias = parameter([2], role: .bias)
        XCTAssertEqual(applyPenalty(.l2(1), to: [bias], roles: [.weight, .bias]), 4)
    }

    func testClipPerParameter() {
        let large = parameter([0, 0])
        large.gradient = Tensor(shape: [2], scalars: [3, 4])
        let small = parameter([0, 0])
        small.gradient = Tensor(shape: [2], scalars: [0.3, 0.4])
        let zero = parameter([0])
        clipGradientsPerParameter([large, small, zero], maxNorm: 1)
        assertClose(large.gradient.scalars, [0.6, 0.8], absolute: 1e-7, relative: 0)
        XCTAssertEqual(small.gradient.scalars, [0.3, 0.4])
        XCTAssertEqual(zero.gradient.scalars, [0])
    }

    func testClipByGlobalNorm() {
        let a = parameter([0, 0])
        a.gradient = Tensor(shape: [2], scalars: [3, 4])
        let b = parameter([0])
        b.gradient = Tensor(shape: [1], scalars: [12])
        let norm = clipGradientsByGlobalNorm([a, b], maxNorm: 1.3)
        XCTAssertEqual(norm, 13, accuracy: 1e-5)
        assertClose(a.gradient.scalars + b.gradient.scalars, [0.3, 0.4, 1.2], absolute: 1e-6, relative: 0)
        // Under the limit nothing changes.
        XCTAssertEqual(clipGradientsByGlobalNorm([a, b], maxNorm: 10), 1.3, accuracy: 1e-5)
        assertClose(a.gradient.scalars + b.gradient.scalars, [0.3, 0.4, 1.2], absolute: 1e-6, relative: 0)
        // A non-finite norm poisons every gradient, as Keras's clip_by_global_norm does.
        b.gradient = Tensor(shape: [1], scalars: [.infinity])
        _ = clipGradientsByGlobalNorm([a, b], maxNorm: 1)
        XCTAssertTrue(a.gradient.scalars.allSatisfy(\.isNaN))
    }
}
