import XCTest
@testable import CNN

final class DropoutTests: XCTestCase {
    func testIdentityAtInference() throws {
        var generator = SeededGenerator(seed: 71)
        let input = generator.uniformTensor(shape: [2, 4, 4, 3])
        let layer = try Dropout(name: "drop", rate: 0.5, seed: 1)
        XCTAssertEqual(try layer.forward(input, training: false), input)
    }

    func testKeptFractionAndScale() throws {
        let rate: Float = 0.3
        var generator = SeededGenerator(seed: 72)
        // Inputs away from zero, so a zero output can only mean a dropped element.
        let input = generator.uniformTensor(shape: [100_000], low: 1, high: 2).reshaped([10, 10_000])
        let layer = try Dropout(name: "drop", rate: rate, seed: 5)
        let output = try layer.forward(input, training: true)
        var kept = 0
        var worst = Difference()
        let scale = 1 / (1 - rate)
        for i in 0..<input.count where output.scalars[i] != 0 {
            kept += 1
            let expected = input.scalars[i] * scale
            let difference = abs(output.scalars[i] - expected)
            if difference > worst.maximum {
                worst = Difference(maximum: difference, index: i, expected: expected, actual: output.scalars[i])
            }
        }
        let fraction = Double(kept) / Double(input.count)
        // Binomial stddev √(0.7·0.3/1e5) ≈ 0.0014: ±0.007 is five of them.
        XCTAssertEqual(fraction, 0.7, accuracy: 0.007, "kept fraction")
        XCTAssertEqual(worst.maximum, 0, "kept values must be x / (1 − rate): \(worst)")
    }

    func testSameSeedSameMaskAndSettingTheSeedRestarts() throws {
        let input = Tensor(repeating: 1, shape: [4, 50])
        let a = try Dropout(name: "a", rate: 0.5, seed: 9)
        let b = try Dropout(name: "b", rate: 0.5, seed: 9)
        let first = try a.forward(input, training: true)
        XCTAssertEqual(first, try b.forward(input, training: true))
        let second = try a.forward(input, training: true)
        XCTAssertNotEqual(first, second, "successive batches get fresh masks")
        a.seed = 9
        XCTAssertEqual(try a.forward(input, training: true), first)
        let other = try Dropout(name: "c", rate: 0.5, seed: 10)
        XCTAssertNotEqual(try other.forward(input, training: true), first)
    }

    func testBackwardAppliesTheSavedMask() throws {
        let rate: Float = 0.25
        let layer = try Dropout(name: "drop", rate: rate, seed: 3)
        // With an input of ones the output is the mask itself: 0 or 1 / (1 − rate).
        let mask = try layer.forward(Tensor(repeating: 1, shape: [3, 40]), training: true)
        XCTAssertTrue(mask.scalars.allSatisfy { $0 == 0 || $0 == 1 / (1 - rate) })
        var generator = SeededGenerator(seed: 73)
        let upstream = generator.uniformTensor(shape: [3, 40])
        let gradient = try XCTUnwrap(try layer.backward(upstream, inputGradient: true))
        let expected = (0..<upstream.count).map { upstream.scalars[$0] * mask.scalars[$0] }
        assertClose(gradient.scalars, expected, absolute: 0, relative: 0)
        XCTAssertNil(try layer.backward(upstream, inputGradient: false))
    }

    func testBackwardNeedsATrainingPassAndRateIsChecked() throws {
        let layer = try Dropout(name: "drop", rate: 0.5)
        _ = try layer.forward(Tensor(zeros: [1, 3]), training: false)
        XCTAssertThrowsError(try layer.backward(Tensor(zeros: [1, 3]), inputGradient: true))
        XCTAssertThrowsError(try Dropout(name: "bad", rate: 1.1))
        XCTAssertThrowsError(try Dropout(name: "bad", rate: -0.1))
        // Keras allows rate 1 and returns zeros.
        let all = try Dropout(name: "all", rate: 1)
        XCTAssertEqual(try all.forward(Tensor(repeating: 3, shape: [2, 3]), training: true), Tensor(zeros: [2, 3]))
        XCTAssertEqual(try all.backward(Tensor(repeating: 1, shape: [2, 3]), inputGradient: true), Tensor(zeros: [2, 3]))
        // Rate 0 is the identity, also when training, and passes gradients through.
        let identity = try Dropout(name: "none", rate: 0)
        let input = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        XCTAssertEqual(try identity.forward(input, training: true), input)
        XCTAssertEqual(try identity.backward(input, inputGradient: true), input)
    }

    func testNoiseShapeDropsWholeSamples() throws {
        // EfficientNet's stochastic depth: noise_shape (None, 1, 1, 1), one draw per sample.
        let rate: Float = 0.5
        let layer = try Dropout(name: "block2a_drop", rate: rate, noiseShape: [nil, 1, 1, 1], seed: 4)
        XCTAssertEqual(try layer.outputShape(for: [3, 3, 2]), [3, 3, 2])
        var generator = SeededGenerator(seed: 74)
        let input = generator.uniformTensor(shape: [16, 3, 3, 2], low: 1, high: 2)
        let output = try layer.forward(input, training: true)
        var dropped = 0
        for n in 0..<16 {
            let sample = Array(output.scalars[(n * 18)..<((n + 1) * 18)])
            let original = Array(input.scalars[(n * 18)..<((n + 1) * 18)])
            if sample.allSatisfy({ $0 == 0 }) {
                dropped += 1
            } else {
                XCTAssertEqual(sample, original.map { $0 * (1 / (1 - rate)) }, "sample \(n) is kept whole and scaled")
            }
        }
        XCTAssertGreaterThan(dropped, 0)
        XCTAssertLessThan(dropped, 16)
        // The gradient follows the same per-sample mask.
        let gradient = try XCTUnwrap(try layer.backward(Tensor(repeating: 1, shape: input.shape), inputGradient: true))
        for i in 0..<input.count {
            XCTAssertEqual(gradient.scalars[i] == 0, output.scalars[i] == 0, "element \(i)")
        }
        // Per-channel noise (None, 1, 1, C) and shapes that cannot broadcast.
        let channelwise = try Dropout(name: "d", rate: 0.5, noiseShape: [nil, 1, 1, 2], seed: 1)
        let ones = try channelwise.forward(Tensor(repeating: 1, shape: [1, 2, 2, 2]), training: true).scalars
        XCTAssertEqual([ones[0], ones[1]], [ones[2], ones[3]])
        XCTAssertThrowsError(try Dropout(name: "d", rate: 0.5, noiseShape: [nil, 1, 1, 3]).outputShape(for: [2, 2, 2]))
        XCTAssertThrowsError(try Dropout(name: "d", rate: 0.5, noiseShape: [nil, 1]).outputShape(for: [2, 2, 2]))
    }
}
