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

    /// Large enough to be split between threads; every element written, none twice.
    func testSplitBetweenThreadsMatchesFormula() throws {
        var generator = SeededGenerator(seed: 82)
        let input = generator.uniformTensor(shape: [3, 97, 101, 3], low: 0, high: 255)
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        for threads in [1, 2, 3] {
            Engine.threadCount = threads
            let output = try Rescaling(name: "r", scale: 1 / 127.5, offset: -1).forward(input, training: false)
            assertClose(output.scalars, input.scalars.map { $0 / 127.5 - 1 }, absolute: 1e-6, relative: 1e-6, "\(threads) threads")
        }
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 81)
        try checkGradients(of: Rescaling(name: "rescaling", scale: 2.5, offset: 0.75),
                           inputs: [generator.uniformTensor(shape: [2, 2, 2, 3])])
    }
}
