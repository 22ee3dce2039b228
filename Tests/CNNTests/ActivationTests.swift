import XCTest
import Foundation
@testable import CNN

/// Straightforward Float64 definitions, written from the Keras formulas independently
/// of the engine's kernels.
private func referenceActivation(_ kind: ActivationKind, _ x: Double) -> Double {
    func relu6(_ v: Double) -> Double { min(max(v, 0), 6) }
    switch kind {
    case .linear: return x
    case .relu: return max(x, 0)
    case .relu6: return relu6(x)
    case let .leakyReLU(alpha): return x >= 0 ? x : Double(alpha) * x
    case let .reluGeneral(maxValue, slope, threshold):
        // Keras ReLU.static_call, step by step.
        let t = Double(threshold)
        var y = t != 0 ? (x > t ? x : 0) : max(x, 0)
        if let maxValue { y = min(max(y, 0), Double(maxValue)) }
        return y - Double(slope) * max(t - x, 0)
    case .sigmoid: return 1 / (1 + Foundation.exp(-x))
    case .hardSigmoid: return min(max(0.2 * x + 0.5, 0), 1)
    case .hardSigmoidV3: return relu6(x + 3) / 6
    case .swish: return x / (1 + Foundation.exp(-x))
    case .hardSwish: return x * relu6(x + 3) / 6
    case .tanh: return Foundation.tanh(x)
    case .gelu(approximate: false): return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
    case .gelu(approximate: true):
        return 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    case let .elu(alpha): return x > 0 ? x : Double(alpha) * (Foundation.exp(x) - 1)
    case .softmax: fatalError("not elementwise")
    }
}

/// Points where a kind's derivative jumps: finite differences across them are meaningless.
private func kinks(of kind: ActivationKind) -> [Float] {
    switch kind {
    case .relu, .leakyReLU, .elu: return [0]
    case .relu6: return [0, 6]
    case let .reluGeneral(maxValue, _, threshold): return [0, threshold] + (maxValue.map { [$0] } ?? [])
    case .hardSigmoid: return [-2.5, 2.5]
    case .hardSigmoidV3, .hardSwish: return [-3, 3]
    default: return []
    }
}

/// Moves every value at least `margin` away from each kink.
private func awayFromKinks(_ tensor: Tensor, _ kinks: [Float], margin: Float = 0.05) -> Tensor {
    var result = tensor
    for i in 0..<result.count {
        for k in kinks where abs(result.scalars[i] - k) < margin {
            result.scalars[i] = result.scalars[i] >= k ? k + margin : k - margin
        }
    }
    return result
}

final class ActivationTests: XCTestCase {
    let elementwiseKinds: [ActivationKind] = [
        .linear, .relu, .relu6, .leakyReLU(alpha: 0.3),
        .reluGeneral(maxValue: 6, negativeSlope: 0.1, threshold: 1),
        .reluGeneral(maxValue: nil, negativeSlope: 0, threshold: -1),
        .reluGeneral(maxValue: 4, negativeSlope: 0.2, threshold: 0),
        .sigmoid, .hardSigmoid, .hardSigmoidV3, .swish, .hardSwish, .tanh,
        .gelu(approximate: false), .gelu(approximate: true), .elu(alpha: 1), .elu(alpha: 0.5),
    ]

    func testElementwiseForwardMatchesReference() throws {
        var generator = SeededGenerator(seed: 11)
        // Spread over the interesting range, including beyond relu6's and the hard functions' ends.
        let input = generator.uniformTensor(shape: [2, 3, 5, 7], low: -9, high: 9)
        for kind in elementwiseKinds {
            let layer = Activation(name: "act", kind: kind)
            let output = try layer.forward(input, training: false)
            XCTAssertEqual(output.shape, input.shape)
            let expected = input.scalars.map { Float(referenceActivation(kind, Double($0))) }
            assertClose(output.scalars, expected, absolute: 1e-6, relative: 1e-5, "\(kind)")
        }
    }

    func testLargeTensorSplitAcrossThreads() throws {
        var generator = SeededGenerator(seed: 12)
        // More than `elementwiseMinimumChunk` elements, so parallelChunks splits it.
        let raw = generator.uniformTensor(shape: [3, 20_011], low: -4, high: 4)
        for kind in [ActivationKind.relu6, .swish, .softmax] {
            let input = awayFromKinks(raw, kinks(of: kind), margin: 1e-3)
            let layer = Activation(name: "act", kind: kind)
            let output = try layer.forward(input, training: true)
            let upstream = generator.uniformTensor(shape: input.shape)
            let gradient = try XCTUnwrap(layer.backward(upstream, inputGradient: true))
            if kind == .softmax {
                let expected = referenceSoftmax(input)
                assertClose(output.scalars, expected, absolute: 1e-7, relative: 1e-4, "softmax")
                XCTAssertEqual(gradient.shape, input.shape)
            } else {
                let expected = input.scalars.map { Float(referenceActivation(kind, Double($0))) }
                assertClose(output.scalars, expected, absolute: 1e-6, relative: 1e-5, "\(kind)")
                // Spot-check the backward pass element by element with a central difference in Float64.
                var numeric = [Float](repeating: 0, count: input.count)
                for i in 0..<input.count {
                    let v = Double(input.scalars[i])
                    let h = 1e-4
                    numeric[i] = Float((referenceActivation(kind, v + h) - referenceActivation(kind, v - h)) / (2 * h)
                                       * Double(upstream.scalars[i]))
                }
                assertClose(gradient.scalars, numeric, absolute: 1e-3, relative: 1e-3, "\(kind) gradient")
            }
        }
    }

    func testKerasReLUExamples() throws {
        // The examples in Keras's `relu` docstring (keras/src/activations/activations.py).
        let x = Tensor(shape: [1, 5], scalars: [-10, -5, 0, 5, 10])
        func run(_ kind: ActivationKind) throws -> [Float] {
            try Activation(name: "relu", kind: kind).forward(x, training: false).scalars
        }
        XCTAssertEqual(try run(.relu(maxValue: nil)), [0, 0, 0, 5, 10])
        XCTAssertEqual(try run(.relu(maxValue: nil, negativeSlope: 0.5)), [-5, -2.5, 0, 5, 10])
        XCTAssertEqual(try run(.relu(maxValue: 5)), [0, 0, 0, 5, 5])
        XCTAssertEqual(try run(.relu(maxValue: nil, threshold: 5)), [0, 0, 0, 0, 10])
        // All three at once: slope below the threshold, clipped above max_value.
        assertClose(try run(.relu(maxValue: 6, negativeSlope: 0.1, threshold: 1)), [-1.1, -0.6, -0.1, 5, 6])
    }

    func testReLUConfigMapsToSimplestKind() {
        XCTAssertEqual(ActivationKind.relu(maxValue: nil), .relu)
        XCTAssertEqual(ActivationKind.relu(maxValue: 6), .relu6)
        XCTAssertEqual(ActivationKind.relu(maxValue: nil, negativeSlope: 0.3), .leakyReLU(alpha: 0.3))
        XCTAssertEqual(ActivationKind.relu(maxValue: 6, negativeSlope: 0, threshold: 1),
                       .reluGeneral(maxValue: 6, negativeSlope: 0, threshold: 1))
        XCTAssertEqual(ActivationKind(kerasName: "hard_sigmoid"), .hardSigmoid)
        XCTAssertEqual(ActivationKind(kerasName: "hard_sigmoid", keras3: true), .hardSigmoidV3)
        XCTAssertEqual(ActivationKind(kerasName: "silu"), .swish)
        XCTAssertNil(ActivationKind(kerasName: "no_such_activation"))
    }

    func testHardSigmoidVariantsDiffer() throws {
        // tf-keras: clip(0.2x + 0.5); Keras 3: relu6(x + 3)/6. At x = 1: 0.7 versus 0.6667.
        let x = Tensor(shape: [1, 3], scalars: [-3, 1, 2.75])
        let old = try Activation(name: "a", kind: .hardSigmoid).forward(x, training: false)
        let new = try Activation(name: "b", kind: .hardSigmoidV3).forward(x, training: false)
        assertClose(old.scalars, [0, 0.7, 1])
        assertClose(new.scalars, [0, 4.0 / 6.0, 5.75 / 6.0])
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 13)
        for kind in elementwiseKinds {
            let input = awayFromKinks(generator.uniformTensor(shape: [2, 3, 2, 5], low: -7, high: 7), kinks(of: kind))
            let layer = Activation(name: "act", kind: kind)
            try checkGradients(of: layer, inputs: [input], epsilon: 1e-2, tolerance: 2e-3)
        }
    }

    func testSoftmaxRowsSumToOneAndStayFinite() throws {
        let input = Tensor(shape: [3, 4], scalars: [1000, 1001, 999, 1000,
                                                    -1000, -1000, -1000, -999,
                                                    0, 88, 89, -5])
        let output = try Activation(name: "softmax", kind: .softmax).forward(input, training: false)
        XCTAssert(output.scalars.allSatisfy(\.isFinite), "\(output.scalars)")
        for row in 0..<3 {
            let sum = output.scalars[(row * 4)..<(row * 4 + 4)].reduce(0, +)
            XCTAssertEqual(sum, 1, accuracy: 1e-6, "row \(row)")
        }
        assertClose(output.scalars, referenceSoftmax(input), absolute: 1e-7, relative: 1e-5)
    }

    func testSoftmaxForwardAndGradientOverLastAxis() throws {
        var generator = SeededGenerator(seed: 14)
        let input = generator.uniformTensor(shape: [2, 3, 5], low: -3, high: 3)
        let layer = Activation(name: "softmax", kind: .softmax)
        assertClose(try layer.forward(input, training: false).scalars, referenceSoftmax(input), absolute: 1e-7, relative: 1e-5)
        try checkGradients(of: layer, inputs: [input], epsilon: 1e-2, tolerance: 2e-3)
    }

    func testVectorExpMatchesLibm() {
        var worst: Double = 0
        var worstAt: Float = 0
        var x: Float = -87
        while x <= 88 {
            let expected = Foundation.exp(Double(x))
            let relative = abs(Double(vectorExp(x)) - expected) / expected
            if relative > worst { (worst, worstAt) = (relative, x) }
            x += 0.00731
        }
        // 2 ulp of Float is 2.4e-7 relative.
        XCTAssertLessThan(worst, 2.4e-7, "at x = \(worstAt)")
        XCTAssertEqual(vectorExp(0), 1)
        XCTAssertEqual(vectorExp(1), Float(M_E), accuracy: 2e-7)
        // Saturates instead of overflowing; sigmoid and softmax stay exact at the extremes.
        XCTAssert(vectorExp(1000).isFinite)
        XCTAssertEqual(1 / (1 + vectorExp(1000)), 0, accuracy: 1e-37)
        XCTAssertEqual(1 / (1 + vectorExp(-1000)), 1)
    }

    func testSigmoidAndSwishSaturate() throws {
        let x = Tensor(shape: [1, 4], scalars: [-1000, -100, 100, 1000])
        let sigmoid = try Activation(name: "s", kind: .sigmoid).forward(x, training: false).scalars
        XCTAssertEqual(sigmoid[2], 1)
        XCTAssertEqual(sigmoid[3], 1)
        XCTAssertLessThan(sigmoid[1], 1e-37)
        let swish = try Activation(name: "w", kind: .swish).forward(x, training: false).scalars
        XCTAssertEqual(swish[2], 100)
        XCTAssert(swish.allSatisfy(\.isFinite))
        XCTAssertEqual(swish[0], 0, accuracy: 1e-30)
    }

    func testInputGradientSkippedWhenNotRequested() throws {
        let layer = Activation(name: "act", kind: .relu)
        _ = try layer.forward(Tensor(shape: [1, 2], scalars: [1, -1]), training: true)
        XCTAssertNil(try layer.backward(Tensor(shape: [1, 2], scalars: [1, 1]), inputGradient: false))
        XCTAssertThrowsError(try Activation(name: "fresh", kind: .relu).backward(Tensor(zeros: [1, 2]), inputGradient: true))
    }

    private func referenceSoftmax(_ input: Tensor) -> [Float] {
        let columns = input.shape.last!
        var result = [Float](repeating: 0, count: input.count)
        for row in 0..<(input.count / columns) {
            let values = (0..<columns).map { Double(input.scalars[row * columns + $0]) }
            let largest = values.max()!
            let exps = values.map { Foundation.exp($0 - largest) }
            let total = exps.reduce(0, +)
            for j in 0..<columns { result[row * columns + j] = Float(exps[j] / total) }
        }
        return result
    }
}
