import XCTest
@testable import CNN

final class ZeroPadding2DTests: XCTestCase {
    /// The naive twin: every output element asks whether it falls inside the input.
    private func naivePad(_ input: Tensor, top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (oh, ow) = (h + top + bottom, w + left + right)
        var out = [Float](repeating: 0, count: n * oh * ow * c)
        for b in 0..<n {
            for y in 0..<oh {
                for x in 0..<ow {
                    for ch in 0..<c {
                        let (iy, ix) = (y - top, x - left)
                        guard (0..<h).contains(iy), (0..<w).contains(ix) else { continue }
                        out[((b * oh + y) * ow + x) * c + ch] = input.scalars[((b * h + iy) * w + ix) * c + ch]
                    }
                }
            }
        }
        return Tensor(shape: [n, oh, ow, c], scalars: out)
    }

    func testAsymmetricPaddingMatchesNaive() throws {
        var generator = SeededGenerator(seed: 11)
        let input = generator.uniformTensor(shape: [2, 3, 4, 3])
        for (top, bottom, left, right) in [(0, 1, 0, 1), (2, 0, 1, 3), (1, 1, 1, 1), (0, 0, 0, 0)] {
            let layer = ZeroPadding2D(name: "pad", top: top, bottom: bottom, left: left, right: right)
            let output = try layer.forward(input, training: false)
            XCTAssertEqual(output.shape, [2, 3 + top + bottom, 4 + left + right, 3])
            XCTAssertEqual(try layer.outputShape(for: [3, 4, 3]), [3 + top + bottom, 4 + left + right, 3])
            assertClose(output, naivePad(input, top: top, bottom: bottom, left: left, right: right), absolute: 0, relative: 0,
                        "padding ((\(top), \(bottom)), (\(left), \(right)))")
        }
    }

    /// The kernel writes every output element, border included, whatever the buffer held
    /// before; rows are split between threads.
    func testKernelOverwritesAStaleBuffer() {
        var generator = SeededGenerator(seed: 12)
        let input = generator.uniformTensor(shape: [3, 9, 7, 5])
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        for threads in [1, 2, 3] {
            Engine.threadCount = threads
            for (top, bottom, left, right) in [(0, 1, 0, 1), (2, 0, 1, 3), (3, 3, 3, 3)] {
                let expected = naivePad(input, top: top, bottom: bottom, left: left, right: right)
                var output = Tensor(repeating: .nan, shape: expected.shape)
                input.withPointer { x in
                    output.withMutablePointer { y in
                        zeroPadding2DForward(input: x, output: y, batch: 3, height: 9, width: 7, channels: 5,
                                             top: top, bottom: bottom, left: left, right: right)
                    }
                }
                assertClose(output, expected, absolute: 0, relative: 0, "\(threads) threads, ((\(top), \(bottom)), (\(left), \(right)))")
            }
        }
    }

    func testSymmetricConvenience() throws {
        let layer = ZeroPadding2D(name: "pad", padding: 2)
        XCTAssertEqual(try layer.outputShape(for: [5, 6, 1]), [9, 10, 1])
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 12)
        let layer = ZeroPadding2D(name: "pad", top: 0, bottom: 1, left: 2, right: 1)
        try checkGradients(of: layer, inputs: [generator.uniformTensor(shape: [2, 3, 2, 3])])
    }

    func testRefusesNonImageInputAndBackwardWithoutTraining() throws {
        let layer = ZeroPadding2D(name: "pad", padding: 1)
        XCTAssertThrowsError(try layer.outputShape(for: [4, 3]))
        _ = try layer.forward(Tensor(zeros: [1, 2, 2, 1]), training: false)
        XCTAssertThrowsError(try layer.backward(Tensor(zeros: [1, 4, 4, 1]), inputGradient: true))
    }
}
