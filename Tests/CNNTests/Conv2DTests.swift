import XCTest
@testable import CNN

/// Direct six-loop convolution with explicit padding: the twin of the im2col path.
func naiveConv2D(input: Tensor, kernel: Tensor, bias: Tensor?, strides: (Int, Int), dilation: (Int, Int),
                 padding: Padding) -> Tensor {
    let (n, h, w, cin) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (kh, kw, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
    let rows = AxisGeometry(input: h, kernel: kh, stride: strides.0, dilation: dilation.0, padding: padding)
    let cols = AxisGeometry(input: w, kernel: kw, stride: strides.1, dilation: dilation.1, padding: padding)
    var out = Tensor(zeros: [n, rows.output, cols.output, cout])
    for b in 0..<n {
        for oy in 0..<rows.output {
            for ox in 0..<cols.output {
                for co in 0..<cout {
                    var sum: Double = Double(bias?.scalars[co] ?? 0)
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let y = oy * strides.0 - rows.before + ky * dilation.0
                            let x = ox * strides.1 - cols.before + kx * dilation.1
                            if y < 0 || y >= h || x < 0 || x >= w { continue }
                            for ci in 0..<cin {
                                sum += Double(input.scalars[((b * h + y) * w + x) * cin + ci])
                                    * Double(kernel.scalars[((ky * kw + kx) * cin + ci) * cout + co])
                            }
                        }
                    }
                    out.scalars[((b * rows.output + oy) * cols.output + ox) * cout + co] = Float(sum)
                }
            }
        }
    }
    return out
}

final class Conv2DTests: XCTestCase {
    struct Case {
        var batch = 2, height = 5, width = 5, cin = 3, cout = 4
        var kernel = (3, 3), strides = (1, 1), dilation = (1, 1)
        var padding = Padding.same
        var useBias = true
    }

    let cases: [Case] = [
        Case(),
        Case(batch: 1, height: 7, width: 6, cin: 5, cout: 17, kernel: (3, 3), strides: (2, 2), padding: .same),
        Case(batch: 3, height: 6, width: 6, cin: 2, cout: 3, kernel: (3, 3), strides: (2, 2), padding: .same),
        Case(batch: 2, height: 9, width: 7, cin: 3, cout: 5, kernel: (3, 3), dilation: (2, 2), padding: .same),
        Case(batch: 2, height: 9, width: 8, cin: 3, cout: 2, kernel: (3, 2), dilation: (2, 1), padding: .valid),
        Case(batch: 2, height: 8, width: 7, cin: 17, cout: 6, kernel: (7, 7), strides: (2, 2), padding: .same),
        Case(batch: 2, height: 6, width: 5, cin: 4, cout: 3, kernel: (1, 1), padding: .valid),
        Case(batch: 2, height: 6, width: 5, cin: 4, cout: 3, kernel: (1, 1), strides: (2, 2), padding: .valid),
        Case(batch: 1, height: 5, width: 9, cin: 3, cout: 2, kernel: (2, 4), strides: (1, 3), padding: .valid, useBias: false),
        Case(batch: 2, height: 6, width: 6, cin: 3, cout: 2, kernel: (4, 4), strides: (1, 1), padding: .same),
    ]

    func makeLayer(_ c: Case, generator: inout SeededGenerator) throws -> Conv2D {
        try Self.makeLayer(c, generator: &generator)
    }

    /// The case's layer with uniform random kernel and bias (shared with OneDNNTests).
    static func makeLayer(_ c: Case, generator: inout SeededGenerator) throws -> Conv2D {
        let layer = try Conv2D(name: "conv", inputChannels: c.cin, filters: c.cout, kernelSize: c.kernel,
                               strides: c.strides, dilation: c.dilation, padding: c.padding, useBias: c.useBias)
        layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape)
        if let bias = layer.bias { bias.value = generator.uniformTensor(shape: bias.shape) }
        return layer
    }

    /// The engine's own kernels (im2col + GEMM, the pointwise GEMM), then oneDNN.
    func testForwardMatchesNaiveLoops() throws {
        try forEachConvolutionBackend { oneDNN in
            var generator = SeededGenerator(seed: 11)
            for (index, c) in cases.enumerated() {
                let layer = try makeLayer(c, generator: &generator)
                let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
                let output = try layer.forward(input, training: false)
                let expected = naiveConv2D(input: input, kernel: layer.kernel.value, bias: layer.bias?.value,
                                           strides: c.strides, dilation: c.dilation, padding: c.padding)
                assertClose(output, expected, "case \(index), oneDNN \(oneDNN)")
            }
        }
    }

    func testForwardAcrossSeveralIm2colChunks() throws {
        // More output pixels than one im2col buffer holds for this patch size.
        let savedOneDNN = Engine.usesOneDNN
        defer { Engine.usesOneDNN = savedOneDNN }
        Engine.usesOneDNN = false  // the engine's own kernels, not oneDNN (see OneDNNTests)
        var generator = SeededGenerator(seed: 12)
        let c = Case(batch: 2, height: 40, width: 40, cin: 700, cout: 2, kernel: (3, 3), padding: .same)
        let layer = try makeLayer(c, generator: &generator)
        XCTAssertGreaterThan(c.batch * c.height * c.width * 9 * c.cin, im2colBudget)
        let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
        let output = try layer.forward(input, training: false)
        let expected = naiveConv2D(input: input, kernel: layer.kernel.value, bias: layer.bias?.value,
                                   strides: c.strides, dilation: c.dilation, padding: c.padding)
        assertClose(output, expected, absolute: 1e-3, relative: 1e-4, "chunked")
    }

    func testForwardSplittingOutputChannelsBetweenThreads() throws {
        // Few output pixels and a kernel larger than L2: the threads split the output channels.
        let savedOneDNN = Engine.usesOneDNN
        defer { Engine.usesOneDNN = savedOneDNN }
        Engine.usesOneDNN = false  // the engine's own kernels, not oneDNN (see OneDNNTests)
        var generator = SeededGenerator(seed: 13)
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        Engine.threadCount = 2
        let c = Case(batch: 2, height: 5, width: 4, cin: 480, cout: 136, kernel: (3, 3), padding: .same)
        let layer = try makeLayer(c, generator: &generator)
        let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
        let output = try layer.forward(input, training: false)
        let expected = naiveConv2D(input: input, kernel: layer.kernel.value, bias: layer.bias?.value,
                                   strides: c.strides, dilation: c.dilation, padding: c.padding)
        assertClose(output, expected, absolute: 1e-3, relative: 1e-4, "split by output channels")
    }

    func testGradients() throws {
        var generator = SeededGenerator(seed: 13)
        for (index, c) in cases.enumerated() where c.kernel.0 < 7 {
            let layer = try makeLayer(c, generator: &generator)
            let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
            try checkGradients(of: layer, inputs: [input])
            _ = index
        }
    }

    func testRefusesStridesWithDilation() {
        XCTAssertThrowsError(try Conv2D(name: "bad", inputChannels: 1, filters: 1, kernelSize: (3, 3),
                                        strides: (2, 2), dilation: (2, 2), padding: .same))
    }

    func testSkipsInputGradientWhenNotRequested() throws {
        var generator = SeededGenerator(seed: 14)
        let layer = try makeLayer(Case(), generator: &generator)
        let output = try layer.forward(generator.uniformTensor(shape: [2, 5, 5, 3]), training: true)
        XCTAssertNil(try layer.backward(generator.uniformTensor(shape: output.shape), inputGradient: false))
        XCTAssertNotEqual(layer.kernel.gradient.scalars.map(abs).max(), 0)
    }
}
