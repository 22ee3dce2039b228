import XCTest
@testable import CNN

/// TensorFlow's `same` rule, written out here rather than taken from AxisGeometry.
private func samePadding(input: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = (input + stride - 1) / stride
    let total = max((output - 1) * stride + kernel - input, 0)
    return (output, total / 2)
}

/// Plain nested loops over every window position, skipping padded ones; average divides
/// by the number of real elements.
private func naivePool(_ input: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding, max useMax: Bool) -> Tensor {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (oh, top) = padding == .same ? samePadding(input: h, kernel: pool.0, stride: strides.0) : ((h - pool.0) / strides.0 + 1, 0)
    let (ow, left) = padding == .same ? samePadding(input: w, kernel: pool.1, stride: strides.1) : ((w - pool.1) / strides.1 + 1, 0)
    var out = Tensor(zeros: [n, oh, ow, c])
    for b in 0..<n {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for ch in 0..<c {
                    var best = -Float.infinity
                    var sum: Float = 0
                    var count = 0
                    for ky in 0..<pool.0 {
                        for kx in 0..<pool.1 {
                            let iy = oy * strides.0 - top + ky
                            let ix = ox * strides.1 - left + kx
                            if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                            let v = input.scalars[((b * h + iy) * w + ix) * c + ch]
                            best = max(best, v)
                            sum += v
                            count += 1
                        }
                    }
                    out.scalars[((b * oh + oy) * ow + ox) * c + ch] = useMax ? best : sum / Float(count)
                }
            }
        }
    }
    return out
}

/// Distinct values at least 0.05 apart, shuffled: no ties and no near-ties, so finite
/// differences never move a window's maximum.
private func distinctTensor(shape: [Int], generator: inout SeededGenerator) -> Tensor {
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
    values.shuffle(using: &generator)
    return Tensor(shape: shape, scalars: values)
}

final class Pooling2DTests: XCTestCase {
    struct Case {
        var shape: [Int]
        var pool: (Int, Int)
        var strides: (Int, Int)
        var padding: Padding
    }

    let cases = [
        Case(shape: [2, 5, 7, 3], pool: (2, 2), strides: (2, 2), padding: .valid),
        Case(shape: [1, 6, 5, 5], pool: (3, 3), strides: (2, 2), padding: .same),
        Case(shape: [2, 4, 4, 17], pool: (3, 2), strides: (1, 1), padding: .same),
        Case(shape: [1, 7, 7, 3], pool: (3, 3), strides: (2, 1), padding: .valid),
        Case(shape: [1, 5, 5, 3], pool: (2, 2), strides: (2, 2), padding: .same),
        Case(shape: [2, 3, 3, 1], pool: (1, 1), strides: (2, 2), padding: .same),
    ]

    func testForwardMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 41)
        for (index, c) in cases.enumerated() {
            let input = generator.uniformTensor(shape: c.shape, low: -2, high: 2)
            let maxLayer = try MaxPooling2D(name: "max", poolSize: c.pool, strides: c.strides, padding: c.padding)
            let averageLayer = try AveragePooling2D(name: "avg", poolSize: c.pool, strides: c.strides, padding: c.padding)
            for training in [false, true] {
                assertClose(try maxLayer.forward(input, training: training),
                            naivePool(input, pool: c.pool, strides: c.strides, padding: c.padding, max: true),
                            "max case \(index), training \(training)")
                assertClose(try averageLayer.forward(input, training: training),
                            naivePool(input, pool: c.pool, strides: c.strides, padding: c.padding, max: false),
                            "average case \(index), training \(training)")
            }
        }
    }

    /// A folded `ZeroPadding2D`: the same as padding with zeros and pooling the copy, zeros
    /// included (negative inputs, so a border zero often wins), for asymmetric borders, windows
    /// entirely in the border, and ResNet's pool1 (border 1, pool 3, stride 2).
    func testMaxPoolWithAbsorbedBorderMatchesPaddedCopy() throws {
        var generator = SeededGenerator(seed: 44)
        let borders = [ZeroBorder(top: 1, bottom: 1, left: 1, right: 1), ZeroBorder(top: 0, bottom: 2, left: 3, right: 1),
                       ZeroBorder(top: 2, bottom: 0, left: 0, right: 2)]
        for (index, border) in borders.enumerated() {
            for (pool, strides) in [((3, 3), (2, 2)), ((2, 2), (1, 1)), ((2, 3), (2, 1))] {
                let input = generator.uniformTensor(shape: [2, 6, 5, 19], low: -2, high: 1)
                let padding = ZeroPadding2D(name: "pad", top: border.top, bottom: border.bottom, left: border.left, right: border.right)
                let layer = try MaxPooling2D(name: "max", poolSize: pool, strides: strides)
                let expected = try layer.forward(padding.forward(input, training: false), training: false)
                layer.absorbedBorder = border
                let message = "border \(index), pool \(pool), strides \(strides)"
                assertClose(try layer.forward(input, training: false), expected, absolute: 0, relative: 0, message)
                XCTAssertThrowsError(try layer.forward(input, training: true), message + ": training with a folded padding")
            }
        }
    }

    func testStridesDefaultToPoolSize() throws {
        let layer = try MaxPooling2D(name: "max", poolSize: (3, 2))
        XCTAssertEqual(try layer.outputShape(for: [9, 8, 4]), [3, 4, 4])
        XCTAssertThrowsError(try layer.outputShape(for: [2, 8, 4]))
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 42)
        for (index, c) in cases.enumerated() {
            let input = distinctTensor(shape: c.shape, generator: &generator)
            let maxLayer = try MaxPooling2D(name: "max_\(index)", poolSize: c.pool, strides: c.strides, padding: c.padding)
            try checkGradients(of: maxLayer, inputs: [input], epsilon: 1e-2, tolerance: 1e-3)
            let averageLayer = try AveragePooling2D(name: "avg_\(index)", poolSize: c.pool, strides: c.strides, padding: c.padding)
            try checkGradients(of: averageLayer, inputs: [input], epsilon: 1e-2, tolerance: 1e-3)
        }
    }

    func testMaxPoolTiesRouteToFirstElement() throws {
        // One 2×2 window per channel; channel 0 all equal, channel 1 tied at positions 1 and 3.
        let input = Tensor(shape: [1, 2, 2, 2], scalars: [5, 0,  5, 7,
                                                          5, 1,  5, 7])
        let layer = try MaxPooling2D(name: "max", poolSize: (2, 2))
        XCTAssertEqual(try layer.forward(input, training: true).scalars, [5, 7])
        let gradient = try XCTUnwrap(layer.backward(Tensor(shape: [1, 1, 1, 2], scalars: [10, 20]), inputGradient: true))
        XCTAssertEqual(gradient.scalars, [10, 0,  0, 20,
                                          0, 0,  0, 0])
    }

    func testOverlappingMaxWindowsAddTheirGradients() throws {
        // Pool 3, stride 1: the centre maximum wins all four windows.
        var values = [Float](repeating: 0, count: 16)
        values[5] = 9
        let layer = try MaxPooling2D(name: "max", poolSize: (3, 3), strides: (1, 1))
        _ = try layer.forward(Tensor(shape: [1, 4, 4, 1], scalars: values), training: true)
        let gradient = try XCTUnwrap(layer.backward(Tensor(repeating: 1, shape: [1, 2, 2, 1]), inputGradient: true))
        XCTAssertEqual(gradient.scalars[5], 4)
        XCTAssertEqual(gradient.scalars.reduce(0, +), 4)
    }

    func testAveragePoolSamePaddingDividesByRealElements() throws {
        // 3×3 pool, stride 1, same: the corner window covers 4 real elements, an edge one 6, the centre 9.
        let input = Tensor(shape: [1, 3, 3, 1], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let layer = try AveragePooling2D(name: "avg", poolSize: (3, 3), strides: (1, 1), padding: .same)
        let output = try layer.forward(input, training: true)
        assertClose(output.scalars, [3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7])
        let ones = try layer.forward(Tensor(repeating: 1, shape: [1, 3, 3, 1]), training: true)
        assertClose(ones.scalars, [Float](repeating: 1, count: 9), "padding must not count")
        // Each window hands 1/count to each of its elements: the corner element sits in
        // windows of 4, 6, 6 and 9 elements.
        let gradient = try XCTUnwrap(layer.backward(Tensor(repeating: 1, shape: [1, 3, 3, 1]), inputGradient: true))
        XCTAssertEqual(gradient.scalars[0], 1.0 / 4 + 2.0 / 6 + 1.0 / 9, accuracy: 1e-6)
    }

    func testBackwardWithoutInputGradientReturnsNil() throws {
        let layer = try AveragePooling2D(name: "avg")
        _ = try layer.forward(Tensor(zeros: [1, 2, 2, 1]), training: true)
        XCTAssertNil(try layer.backward(Tensor(zeros: [1, 1, 1, 1]), inputGradient: false))
        let fresh = try MaxPooling2D(name: "max")
        _ = try fresh.forward(Tensor(zeros: [1, 2, 2, 1]), training: false)
        XCTAssertThrowsError(try fresh.backward(Tensor(zeros: [1, 1, 1, 1]), inputGradient: true))
    }
}
