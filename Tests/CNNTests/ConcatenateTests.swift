import XCTest
@testable import CNN

final class ConcatenateTests: XCTestCase {
    func testThreeInputsWithOddChannelCounts() throws {
        var generator = SeededGenerator(seed: 41)
        let channels = [3, 1, 5]
        let inputs = channels.map { generator.uniformTensor(shape: [2, 2, 3, $0]) }
        let layer = Concatenate(name: "concat")
        XCTAssertEqual(try layer.outputShape(for: inputs.map { Array($0.shape.dropFirst()) }), [2, 3, 9])
        let output = try layer.forward(inputs, training: false)
        XCTAssertEqual(output.shape, [2, 2, 3, 9])
        var expected = [Float]()
        for row in 0..<12 {
            for (k, input) in inputs.enumerated() {
                expected.append(contentsOf: input.scalars[(row * channels[k])..<((row + 1) * channels[k])])
            }
        }
        assertClose(output.scalars, expected, absolute: 0, relative: 0)
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 42)
        let inputs = [3, 1, 5].map { generator.uniformTensor(shape: [2, 2, 2, $0]) }
        try checkGradients(of: Concatenate(name: "concat"), inputs: inputs)
    }

    func testAxisMayBeGivenAsThePositiveLastIndex() throws {
        // Keras counts the batch axis: axis 3 is the channel axis of (N, H, W, C).
        XCTAssertEqual(try Concatenate(name: "c", axis: 3).outputShape(for: [[2, 2, 3], [2, 2, 4]]), [2, 2, 7])
        XCTAssertEqual(try Concatenate(name: "c", axis: 1).outputShape(for: [[3], [4]]), [7])
        XCTAssertThrowsError(try Concatenate(name: "c", axis: 2).outputShape(for: [[2, 2, 3], [2, 2, 4]]))
        XCTAssertThrowsError(try Concatenate(name: "c", axis: -2).outputShape(for: [[2, 2, 3], [2, 2, 4]]))
    }

    func testRefusesMismatchedSpatialShapes() {
        XCTAssertThrowsError(try Concatenate(name: "c").outputShape(for: [[2, 2, 3], [2, 3, 3]]))
    }
}
