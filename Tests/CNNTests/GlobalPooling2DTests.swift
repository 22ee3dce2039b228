import XCTest
@testable import CNN

/// Mean or max over every position of each (sample, channel), in plain loops.
private func naiveGlobalPool(_ input: Tensor, max useMax: Bool) -> [Float] {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    var result = [Float](repeating: 0, count: n * c)
    for b in 0..<n {
        for ch in 0..<c {
            var best = -Float.infinity
            var sum = 0.0
            for y in 0..<h {
                for x in 0..<w {
                    let v = input.scalars[((b * h + y) * w + x) * c + ch]
                    best = max(best, v)
                    sum += Double(v)
                }
            }
            result[b * c + ch] = useMax ? best : Float(sum / Double(h * w))
        }
    }
    return result
}

final class GlobalPooling2DTests: XCTestCase {
    let shapes = [[2, 3, 5, 3], [1, 1, 1, 5], [3, 4, 4, 17], [1, 7, 2, 1]]

    func testForwardMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 51)
        for shape in shapes {
            let input = generator.uniformTensor(shape: shape, low: -3, high: 3)
            for keepdims in [false, true] {
                let expectedShape = keepdims ? [shape[0], 1, 1, shape[3]] : [shape[0], shape[3]]
                let average = try GlobalAveragePooling2D(name: "gap", keepdims: keepdims).forward(input, training: false)
                XCTAssertEqual(average.shape, expectedShape)
                assertClose(average.scalars, naiveGlobalPool(input, max: false), "average \(shape)")
                let maximum = try GlobalMaxPooling2D(name: "gmp", keepdims: keepdims).forward(input, training: true)
                XCTAssertEqual(maximum.shape, expectedShape)
                assertClose(maximum.scalars, naiveGlobalPool(input, max: true), "max \(shape)")
            }
        }
    }

    func testOutputShapes() throws {
        XCTAssertEqual(try GlobalAveragePooling2D(name: "gap").outputShape(for: [7, 7, 1280]), [1280])
        XCTAssertEqual(try GlobalAveragePooling2D(name: "gap", keepdims: true).outputShape(for: [7, 7, 1280]), [1, 1, 1280])
        XCTAssertThrowsError(try GlobalMaxPooling2D(name: "gmp").outputShape(for: [1280]))
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 52)
        for shape in shapes {
            let count = shape.reduce(1, *)
            // Distinct, well-separated values: finite differences never change the maximum.
            var values = (0..<count).map { Float($0) * 0.05 }
            values.shuffle(using: &generator)
            let input = Tensor(shape: shape, scalars: values)
            for keepdims in [false, true] {
                try checkGradients(of: GlobalAveragePooling2D(name: "gap", keepdims: keepdims), inputs: [input],
                                   epsilon: 1e-2, tolerance: 1e-3)
                try checkGradients(of: GlobalMaxPooling2D(name: "gmp", keepdims: keepdims), inputs: [input],
                                   epsilon: 1e-2, tolerance: 1e-3)
            }
        }
    }

    func testMaxTiesShareTheGradientEvenly() throws {
        // As TensorFlow's reduce_max: channel 0 ties at positions 1 and 2, channel 1 is constant.
        let input = Tensor(shape: [1, 2, 2, 2], scalars: [0, 3,  4, 3,
                                                          4, 3,  1, 3])
        let layer = GlobalMaxPooling2D(name: "gmp")
        XCTAssertEqual(try layer.forward(input, training: true).scalars, [4, 3])
        let gradient = try XCTUnwrap(layer.backward(Tensor(shape: [1, 2], scalars: [10, 20]), inputGradient: true))
        XCTAssertEqual(gradient.scalars, [0, 5,  5, 5,
                                          5, 5,  0, 5])
    }
}
