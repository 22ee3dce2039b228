import XCTest
@testable import CNN

final class ReshapeTests: XCTestCase {
    func testInfersTheMinusOneDimension() throws {
        var generator = SeededGenerator(seed: 61)
        let input = generator.uniformTensor(shape: [2, 3, 4])
        let layer = Reshape(name: "reshape", targetShape: [-1, 2, 2])
        XCTAssertEqual(try layer.outputShape(for: [3, 4]), [3, 2, 2])
        let output = try layer.forward(input, training: false)
        XCTAssertEqual(output.shape, [2, 3, 2, 2])
        XCTAssertEqual(output.scalars, input.scalars)
        XCTAssertEqual(try Reshape(name: "r", targetShape: [1, 1, -1]).outputShape(for: [1024]), [1, 1, 1024])
        XCTAssertEqual(try Reshape(name: "r", targetShape: [6, 2]).outputShape(for: [3, 4]), [6, 2])
    }

    func testRefusesImpossibleTargets() {
        XCTAssertThrowsError(try Reshape(name: "r", targetShape: [-1, -1]).outputShape(for: [4]))
        XCTAssertThrowsError(try Reshape(name: "r", targetShape: [-1, 5]).outputShape(for: [12]))
        XCTAssertThrowsError(try Reshape(name: "r", targetShape: [5, 2]).outputShape(for: [12]))
        XCTAssertThrowsError(try Reshape(name: "r", targetShape: [-2, 6]).outputShape(for: [12]))
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 62)
        try checkGradients(of: Reshape(name: "reshape", targetShape: [2, -1]), inputs: [generator.uniformTensor(shape: [2, 3, 2])])
    }
}
