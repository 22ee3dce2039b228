import XCTest
@testable import CNN

final class MultiplyTests: XCTestCase {
    func testSqueezeExcitationBroadcastMatchesNaive() throws {
        var generator = SeededGenerator(seed: 31)
        let features = generator.uniformTensor(shape: [2, 3, 3, 5])
        let gates = generator.uniformTensor(shape: [2, 1, 1, 5])
        let layer = Multiply(name: "se_excite")
        XCTAssertEqual(try layer.outputShape(for: [[3, 3, 5], [1, 1, 5]]), [3, 3, 5])
        let output = try layer.forward([features, gates], training: false)
        var expected = [Float](repeating: 0, count: features.count)
        for n in 0..<2 {
            for h in 0..<3 {
                for w in 0..<3 {
                    for c in 0..<5 {
                        let i = ((n * 3 + h) * 3 + w) * 5 + c
                        expected[i] = features.scalars[i] * gates.scalars[n * 5 + c]
                    }
                }
            }
        }
        XCTAssertEqual(output.shape, [2, 3, 3, 5])
        assertClose(output.scalars, expected, absolute: 0, relative: 0)
        // The order of the factors does not matter.
        assertClose(try layer.forward([gates, features], training: false), output, absolute: 0, relative: 0)
    }

    func testGradientOfBroadcastInputSumsOverBroadcastDimensions() throws {
        var generator = SeededGenerator(seed: 32)
        let features = generator.uniformTensor(shape: [2, 3, 3, 5])
        let gates = generator.uniformTensor(shape: [2, 1, 1, 5])
        let layer = Multiply(name: "se_excite")
        let output = try layer.forward([features, gates], training: true)
        let upstream = generator.uniformTensor(shape: output.shape)
        let gradients = try layer.backward(upstream, inputGradients: true)
        var expectedGates = [Float](repeating: 0, count: 10)
        var expectedFeatures = [Float](repeating: 0, count: features.count)
        for n in 0..<2 {
            for p in 0..<9 {
                for c in 0..<5 {
                    let i = (n * 9 + p) * 5 + c
                    expectedGates[n * 5 + c] += upstream.scalars[i] * features.scalars[i]
                    expectedFeatures[i] = upstream.scalars[i] * gates.scalars[n * 5 + c]
                }
            }
        }
        XCTAssertEqual(gradients.map(\.shape), [[2, 3, 3, 5], [2, 1, 1, 5]])
        assertClose(gradients[0].scalars, expectedFeatures, "features")
        assertClose(gradients[1].scalars, expectedGates, "gates")
        try checkGradients(of: layer, inputs: [features, gates])
    }

    func testThreeInputsWithBroadcastingOnDifferentAxes() throws {
        var generator = SeededGenerator(seed: 33)
        let a = generator.uniformTensor(shape: [2, 3, 4])
        let b = generator.uniformTensor(shape: [2, 3, 1])
        let c = generator.uniformTensor(shape: [1, 1, 4])
        let layer = Multiply(name: "mul")
        let output = try layer.forward([a, b, c], training: false)
        var expected = [Float](repeating: 0, count: 24)
        for i in 0..<2 {
            for j in 0..<3 {
                for k in 0..<4 {
                    expected[(i * 3 + j) * 4 + k] = a.scalars[(i * 3 + j) * 4 + k] * b.scalars[i * 3 + j] * c.scalars[k]
                }
            }
        }
        assertClose(output.scalars, expected, absolute: 1e-7, relative: 1e-6)
        try checkGradients(of: layer, inputs: [a, b, c])
    }

    func testRefusesShapesThatDoNotBroadcast() {
        let layer = Multiply(name: "mul")
        XCTAssertThrowsError(try layer.outputShape(for: [[3, 3, 5], [1, 1, 4]]))
        XCTAssertThrowsError(try layer.outputShape(for: [[3, 3, 5], [5]]))
    }
}
