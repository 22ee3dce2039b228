import XCTest
@testable import CNN

/// Depthwise convolution in plain nested loops, with TensorFlow's `same` padding written
/// out here: output channel c·M + m = Σ_taps x[c] · kernel[ky, kx, c, m] + bias.
func naiveDepthwiseConv2D(input: Tensor, kernel: Tensor, bias: Tensor?, strides: (Int, Int),
                          dilation: (Int, Int), padding: Padding) -> Tensor {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (kh, kw, m) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
    func axis(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> (output: Int, before: Int) {
        let effective = (k - 1) * d + 1
        if padding == .valid { return ((size - effective) / s + 1, 0) }
        let output = (size + s - 1) / s
        return (output, max((output - 1) * s + effective - size, 0) / 2)
    }
    let (oh, top) = axis(h, kh, strides.0, dilation.0)
    let (ow, left) = axis(w, kw, strides.1, dilation.1)
    var out = Tensor(zeros: [n, oh, ow, c * m])
    for b in 0..<n {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for ch in 0..<c {
                    for j in 0..<m {
                        var sum = bias?.scalars[ch * m + j] ?? 0
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * strides.0 - top + ky * dilation.0
                                let ix = ox * strides.1 - left + kx * dilation.1
                                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                sum += input.scalars[((b * h + iy) * w + ix) * c + ch]
                                    * kernel.scalars[((ky * kw + kx) * c + ch) * m + j]
                            }
                        }
                        out.scalars[((b * oh + oy) * ow + ox) * (c * m) + ch * m + j] = sum
                    }
                }
            }
        }
    }
    return out
}

final class DepthwiseConv2DTests: XCTestCase {
    struct Case {
        var shape: [Int]
        var kernel: (Int, Int)
        var strides: (Int, Int) = (1, 1)
        var dilation: (Int, Int) = (1, 1)
        var padding: Padding
        var multiplier = 1
        var bias = true
    }

    let cases = [
        Case(shape: [2, 5, 6, 3], kernel: (3, 3), padding: .same),
        Case(shape: [1, 7, 6, 5], kernel: (3, 3), strides: (2, 2), padding: .same, multiplier: 2),
        Case(shape: [2, 7, 7, 17], kernel: (3, 3), dilation: (2, 2), padding: .same, bias: false),
        Case(shape: [1, 6, 5, 3], kernel: (2, 3), strides: (2, 1), padding: .valid, multiplier: 3),
        Case(shape: [1, 9, 8, 4], kernel: (5, 5), strides: (2, 2), padding: .same),
        Case(shape: [2, 6, 7, 2], kernel: (3, 2), dilation: (2, 1), padding: .valid, multiplier: 2),
        Case(shape: [1, 4, 4, 16], kernel: (3, 3), strides: (2, 2), padding: .valid),
        // Wide rows and ≥ 16 channels: the four-pixel blocks, a remainder pixel and a channel remainder.
        Case(shape: [2, 11, 13, 35], kernel: (5, 5), padding: .same),
        Case(shape: [1, 12, 20, 20], kernel: (5, 5), strides: (2, 2), padding: .same, bias: false),
        Case(shape: [1, 9, 12, 16], kernel: (3, 3), dilation: (2, 2), padding: .valid),
    ]

    /// The case's layer with uniform random kernel and bias (shared with OneDNNTests).
    static func makeLayer(_ c: Case, generator: inout SeededGenerator) throws -> DepthwiseConv2D {
        let layer = try DepthwiseConv2D(name: "dw", inputChannels: c.shape[3], kernelSize: c.kernel, strides: c.strides,
                                        dilation: c.dilation, padding: c.padding, depthMultiplier: c.multiplier,
                                        useBias: c.bias)
        layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape)
        layer.bias?.value = generator.uniformTensor(shape: layer.bias!.shape)
        return layer
    }

    private func makeLayer(_ c: Case, generator: inout SeededGenerator) throws -> DepthwiseConv2D {
        try Self.makeLayer(c, generator: &generator)
    }

    func testKerasLayout() throws {
        let layer = try DepthwiseConv2D(name: "dw", inputChannels: 5, kernelSize: (3, 3), depthMultiplier: 2)
        XCTAssertEqual(layer.kernel.name, "depthwise_kernel")
        XCTAssertEqual(layer.kernel.shape, [3, 3, 5, 2])
        XCTAssertEqual(layer.bias?.shape, [10])
        XCTAssertEqual(layer.parameters.map(\.name), ["depthwise_kernel", "bias"])
        XCTAssertEqual(try layer.outputShape(for: [7, 7, 5]), [5, 5, 10])
    }

    /// The engine's own kernels (the register-blocked rows and the border path), then oneDNN.
    func testForwardMatchesNaiveLoops() throws {
        try forEachConvolutionBackend { oneDNN in
            var generator = SeededGenerator(seed: 61)
            for (index, c) in cases.enumerated() {
                let layer = try makeLayer(c, generator: &generator)
                let input = generator.uniformTensor(shape: c.shape)
                let output = try layer.forward(input, training: false)
                let expected = naiveDepthwiseConv2D(input: input, kernel: layer.kernel.value, bias: layer.bias?.value,
                                                    strides: c.strides, dilation: c.dilation, padding: c.padding)
                assertClose(output, expected, "case \(index), oneDNN \(oneDNN)")
            }
        }
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 62)
        let small = cases.filter { $0.shape.reduce(1, *) <= 600 }
            + [Case(shape: [1, 5, 5, 3], kernel: (3, 3), dilation: (2, 2), padding: .same, multiplier: 2)]
        for c in small {
            let layer = try makeLayer(c, generator: &generator)
            let input = generator.uniformTensor(shape: c.shape)
            // The layer is linear in x and in the weights, so differences are exact up to rounding.
            try checkGradients(of: layer, inputs: [input], epsilon: 1e-2, tolerance: 2e-3)
        }
    }

    func testGradientsWithManyChannels() throws {
        var generator = SeededGenerator(seed: 63)
        let c = Case(shape: [1, 4, 3, 17], kernel: (3, 3), strides: (2, 2), padding: .same, multiplier: 2)
        try checkGradients(of: makeLayer(c, generator: &generator), inputs: [generator.uniformTensor(shape: c.shape)],
                           epsilon: 1e-2, tolerance: 2e-3)
    }

    func testRefusesStridesWithDilation() {
        XCTAssertThrowsError(try DepthwiseConv2D(name: "dw_bad", inputChannels: 3, kernelSize: (3, 3), strides: (2, 2),
                                                 dilation: (2, 2))) { error in
            guard case let EngineError.invalidConfiguration(layer, _) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(layer, "dw_bad")
        }
        XCTAssertThrowsError(try DepthwiseConv2D(name: "dw_zero", inputChannels: 3, kernelSize: (3, 3), depthMultiplier: 0))
    }

    func testBackwardAccumulatesAndSkipsInputGradient() throws {
        var generator = SeededGenerator(seed: 64)
        let c = Case(shape: [2, 4, 4, 3], kernel: (3, 3), padding: .same, multiplier: 2)
        let layer = try makeLayer(c, generator: &generator)
        let output = try layer.forward(generator.uniformTensor(shape: c.shape), training: true)
        let upstream = generator.uniformTensor(shape: output.shape)
        XCTAssertNil(try layer.backward(upstream, inputGradient: false))
        let once = (layer.kernel.gradient.scalars, layer.bias!.gradient.scalars)
        XCTAssertNotNil(try layer.backward(upstream, inputGradient: true))
        assertClose(layer.kernel.gradient.scalars, once.0.map { 2 * $0 }, "kernel gradient accumulates")
        assertClose(layer.bias!.gradient.scalars, once.1.map { 2 * $0 }, "bias gradient accumulates")
    }

    func testFrozenLayerAccumulatesNoGradient() throws {
        var generator = SeededGenerator(seed: 65)
        let c = Case(shape: [1, 3, 3, 3], kernel: (3, 3), padding: .same)
        let layer = try makeLayer(c, generator: &generator)
        layer.isTrainable = false
        let output = try layer.forward(generator.uniformTensor(shape: c.shape), training: true)
        XCTAssertNotNil(try layer.backward(generator.uniformTensor(shape: output.shape), inputGradient: true))
        XCTAssertEqual(layer.kernel.gradient.scalars, [Float](repeating: 0, count: 27))
    }
}
