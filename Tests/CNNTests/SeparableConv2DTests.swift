import XCTest
@testable import CNN

final class SeparableConv2DTests: XCTestCase {
    func testForwardIsDepthwiseThenPointwise() throws {
        try forEachConvolutionBackend { oneDNN in try forwardIsDepthwiseThenPointwise(oneDNN: oneDNN) }
    }

    private func forwardIsDepthwiseThenPointwise(oneDNN: Bool) throws {
        var generator = SeededGenerator(seed: 21)
        let layer = try SeparableConv2D(name: "sep", inputChannels: 3, filters: 5, kernelSize: (3, 3),
                                        strides: (2, 2), padding: .same, depthMultiplier: 2)
        for parameter in layer.parameters { parameter.value = generator.uniformTensor(shape: parameter.shape) }
        XCTAssertEqual(layer.parameters.map(\.name), ["depthwise_kernel", "pointwise_kernel", "bias"])
        XCTAssertEqual(layer.parameters.map(\.shape), [[3, 3, 3, 2], [1, 1, 6, 5], [5]])
        let input = generator.uniformTensor(shape: [2, 7, 6, 3])
        let output = try layer.forward(input, training: false)

        // Reference: the depthwise step as a dense convolution with a block-diagonal kernel.
        var dense = Tensor(zeros: [3, 3, 3, 6])
        let dw = layer.depthwise.kernel.value
        for ky in 0..<3 { for kx in 0..<3 { for c in 0..<3 { for m in 0..<2 {
            dense.scalars[((ky * 3 + kx) * 3 + c) * 6 + c * 2 + m] = dw.scalars[((ky * 3 + kx) * 3 + c) * 2 + m]
        } } } }
        let middle = naiveConv2D(input: input, kernel: dense, bias: nil, strides: (2, 2), dilation: (1, 1), padding: .same)
        let expected = naiveConv2D(input: middle, kernel: layer.pointwise.kernel.value, bias: layer.pointwise.bias!.value,
                                   strides: (1, 1), dilation: (1, 1), padding: .valid)
        assertClose(output, expected, "oneDNN \(oneDNN)")
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 22)
        let layer = try SeparableConv2D(name: "sep", inputChannels: 2, filters: 3, kernelSize: (3, 3), padding: .same)
        for parameter in layer.parameters { parameter.value = generator.uniformTensor(shape: parameter.shape) }
        try checkGradients(of: layer, inputs: [generator.uniformTensor(shape: [2, 5, 4, 2])])
    }
}
