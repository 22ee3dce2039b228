import XCTest
@testable import CNN

final class RescalingTests: XCTestCase {
    func testScaleAndOffset() throws {
        let input = Tensor(shape: [1, 2, 2, 1], scalars: [0, 127.5, 255, 51])
        let layer = Rescaling(name: "rescaling", scale: 1 / 127.5, offset: -1)
        let output = try layer.forward(input, training: false)
        assertClose(output.scalars, [-1, 0, 1, -0.6], absolute: 1e-6, relative: 0)
        assertClose(try Rescaling(name: "r", scale: 1 / 255).forward(Tensor(shape: [1, 2], scalars: [255, 0]), training: false).scalars,
                    [1, 0], absolute: 1e-6, relative: 0)
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 81)
        try checkGradients(of: Rescaling(name: "rescaling", scale: 2.5, offset: 0.75),
                           inputs: [generator.uniformTensor(shape: [2, 2, 2, 3])])
    }
}
