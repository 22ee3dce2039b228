import XCTest
@testable import CNN

final class DenseTests: XCTestCase {
    func testForwardMatchesNaiveProduct() throws {
        var generator = SeededGenerator(seed: 1)
        let layer = Dense(name: "fc", inputUnits: 5, units: 3)
        layer.kernel.value = generator.uniformTensor(shape: [5, 3])
        layer.bias!.value = generator.uniformTensor(shape: [3])
        let input = generator.uniformTensor(shape: [4, 5])
        let output = try layer.forward(input, training: false)
        var expected = [Float](repeating: 0, count: 12)
        for row in 0..<4 {
            for unit in 0..<3 {
                var sum = layer.bias!.value.scalars[unit]
                for k in 0..<5 { sum += input.scalars[row * 5 + k] * layer.kernel.value.scalars[k * 3 + unit] }
                expected[row * 3 + unit] = sum
            }
        }
        assertClose(output.scalars, expected)
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
