import XCTest
@testable import CNN

final class DenseTests: XCTestCase {
    /// Several rows (GEMM), and one row (the GEMV path, split between threads in blocks of 16
    /// columns when the layer is large enough: 300 × 1,003 units), with and without a bias.
    func testForwardMatchesNaiveProduct() throws {
        var generator = SeededGenerator(seed: 1)
        for (rows, inputUnits, units, useBias) in [(4, 5, 3, true), (1, 5, 3, true), (1, 300, 1003, true), (1, 300, 1003, false)] {
            let layer = Dense(name: "fc", inputUnits: inputUnits, units: units, useBias: useBias)
            layer.kernel.value = generator.uniformTensor(shape: [inputUnits, units])
            layer.bias?.value = generator.uniformTensor(shape: [units])
            let input = generator.uniformTensor(shape: [rows, inputUnits])
            let output = try layer.forward(input, training: false)
            var expected = [Float](repeating: 0, count: rows * units)
            for row in 0..<rows {
                for unit in 0..<units {
                    var sum = layer.bias?.value.scalars[unit] ?? 0
                    for k in 0..<inputUnits { sum += input.scalars[row * inputUnits + k] * layer.kernel.value.scalars[k * units + unit] }
                    expected[row * units + unit] = sum
                }
            }
            assertClose(output.scalars, expected, "rows \(rows), \(inputUnits) → \(units), bias \(useBias)")
        }
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 2)
        let layer = Dense(name: "fc", inputUnits: 6, units: 4)
        layer.kernel.value = generator.uniformTensor(shape: [6, 4])
        layer.bias!.value = generator.uniformTensor(shape: [4])
        try checkGradients(of: layer, inputs: [generator.uniformTensor(shape: [3, 6])])
    }

    func testFrozenLayerAccumulatesNoGradient() throws {
        var generator = SeededGenerator(seed: 3)
        let layer = Dense(name: "fc", inputUnits: 3, units: 2)
        layer.kernel.value = generator.uniformTensor(shape: [3, 2])
        layer.isTrainable = false
        let output = try layer.forward(generator.uniformTensor(shape: [2, 3]), training: true)
        _ = try layer.backward(generator.uniformTensor(shape: output.shape), inputGradient: true)
        XCTAssertEqual(layer.kernel.gradient.scalars, [Float](repeating: 0, count: 6))
    }
}
