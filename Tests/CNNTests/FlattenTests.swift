import XCTest
@testable import CNN

final class FlattenTests: XCTestCase {
    func testKeepsRowMajorOrder() throws {
        var generator = SeededGenerator(seed: 51)
        let input = generator.uniformTensor(shape: [2, 3, 2, 4])
        let layer = Flatten(name: "flatten")
        XCTAssertEqual(try layer.outputShape(for: [3, 2, 4]), [24])
        let output = try layer.forward(input, training: false)
        XCTAssertEqual(output.shape, [2, 24])
        XCTAssertEqual(output.scalars, input.scalars)
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 52)
        try checkGradients(of: Flatten(name: "flatten"), inputs: [generator.uniformTensor(shape: [2, 2, 2, 3])])
    }
}
