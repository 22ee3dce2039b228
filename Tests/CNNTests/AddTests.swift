import XCTest
@testable import CNN

final class AddTests: XCTestCase {
    func testSumOfThreeInputs() throws {
        var generator = SeededGenerator(seed: 21)
        let inputs = (0..<3).map { _ in generator.uniformTensor(shape: [2, 3, 3, 4]) }
        let layer = Add(name: "add")
        let output = try layer.forward(inputs, training: false)
        let expected = (0..<inputs[0].count).map { i in inputs[0].scalars[i] + inputs[1].scalars[i] + inputs[2].scalars[i] }
        assertClose(output.scalars, expected, absolute: 0, relative: 1e-6)
        XCTAssertEqual(output.shape, [2, 3, 3, 4])
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 22)
        let inputs = (0..<3).map { _ in generator.uniformTensor(shape: [2, 2, 3]) }
        try checkGradients(of: Add(name: "add"), inputs: inputs)
    }

    func testRefusesMismatchedShapesAndSingleInput() {
        let layer = Add(name: "add")
        XCTAssertThrowsError(try layer.outputShape(for: [[2, 2, 3], [2, 2, 4]]))
        XCTAssertThrowsError(try layer.outputShape(for: [[2, 2, 3]]))
    }

    func testNoInputGradientsWhenNotRequested() throws {
        let layer = Add(name: "add")
        let output = try layer.forward([Tensor(zeros: [1, 2]), Tensor(zeros: [1, 2])], training: true)
        XCTAssertEqual(try layer.backward(output, inputGradients: false).count, 0)
    }
}
