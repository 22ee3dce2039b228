import XCTest
@testable import CNN

/// `input` (N, H, W, C) with `border` zeros around each image, the copy a `ZeroPadding2D` makes.
private func zeroPadded(_ input: Tensor, _ border: ZeroBorder) -> Tensor {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (ph, pw) = (h + border.top + border.bottom, w + border.left + border.right)
    var out = Tensor(zeros: [n, ph, pw, c])
    for b in 0..<n {
        for y in 0..<h {
            for x in 0..<w {
                for ch in 0..<c {
                    out.scalars[((b * ph + y + border.top) * pw + x + border.left) * c + ch]
                        = input.scalars[((b * h + y) * w + x) * c + ch]
                }
            }
        }
    }
    return out
}

/// act(convolution · scale + shift + residual), per output channel: what a fused epilogue computes
/// from the convolution without its bias.
private func applyEpilogue(_ convolution: Tensor, scale: [Float], shift: [Float], residual: Tensor?,
                           activation: ActivationKind) -> Tensor {
    var out = convolution
    let channels = scale.count
    for i in 0..<out.count {
        var v = out.scalars[i] * scale[i % channels] + shift[i % channels] + (residual?.scalars[i] ?? 0)
        switch activation {
        case .relu: v = max(0, v)
        case .relu6: v = min(6, max(0, v))
        default: break
        }
        out.scalars[i] = v
    }
    return out
}

/// The two layer kinds that run on oneDNN.
private protocol OneDNNLayer: UnaryLayer {
    var oneDNNImplementations: [String] { get }
}

extension Conv2D: OneDNNLayer {}
extension DepthwiseConv2D: OneDNNLayer {}

/// The oneDNN path of Conv2D and DepthwiseConv2D (inference and frozen layers) element by element
/// against the plain loops of Conv2DTests / DepthwiseConv2DTests and against the engine's own
/// kernels: kernel sizes 1, 3, 5, 7, strides 1 and 2, `same` (symmetric and TensorFlow's
/// asymmetric padding) and `valid`, dilation 2, no bias, depth multipliers 1 and 2, channel
/// counts that are not multiples of 16; the fused epilogue (BN scale and shift, residual sum,
/// ReLU/ReLU6) and absorbed zero padding; weights cached across kernel and bias updates; batch
/// size changes. Each case also checks that oneDNN computed it (an empty list of
/// implementations means the layer fell back to the engine's kernels, which would make the
/// comparison test those instead).
final class OneDNNTests: XCTestCase {
    private var savedOneDNN = true

    override func setUp() {
        super.setUp()
        savedOneDNN = Engine.usesOneDNN
        Engine.usesOneDNN = true
    }

    override func tearDown() {
        Engine.usesOneDNN = savedOneDNN
        super.tearDown()
    }

    /// Fails unless the layer ran oneDNN kernels, and none of them its reference loops.
    private func assertRanOneDNN(_ implementations: [String], _ message: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(implementations.isEmpty, "\(message): oneDNN refused, the engine's kernels ran", file: file, line: line)
        for name in implementations {
            XCTAssertFalse(name.hasPrefix("ref"), "\(message): oneDNN's reference implementation \(name)", file: file, line: line)
        }
    }

    /// The layer through oneDNN (which must run) and through the engine's own kernels, each
    /// against `expected`.
    private func assertBothBackends(_ layer: some OneDNNLayer, input: Tensor, expected: Tensor, _ message: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        assertClose(try layer.forward(input, training: false), expected, absolute: 1e-4, relative: 1e-4, message,
                    file: file, line: line)
        assertRanOneDNN(layer.oneDNNImplementations, message, file: file, line: line)
        let own = try withOneDNN(false) { try layer.forward(input, training: false) }
        assertClose(own, expected, absolute: 1e-4, relative: 1e-4, message + ", oneDNN off", file: file, line: line)
    }

    // MARK: - Conv2D

    typealias ConvCase = Conv2DTests.Case

    let convCases: [ConvCase] = [
        // 1×1: plain, strided (odd and even inputs), `same` with stride 2, no bias.
        ConvCase(batch: 2, height: 5, width: 6, cin: 3, cout: 5, kernel: (1, 1), padding: .valid),
        ConvCase(batch: 2, height: 4, width: 3, cin: 16, cout: 32, kernel: (1, 1), padding: .valid, useBias: false),
        ConvCase(batch: 1, height: 7, width: 7, cin: 17, cout: 5, kernel: (1, 1), strides: (2, 2), padding: .valid),
        ConvCase(batch: 1, height: 6, width: 8, cin: 5, cout: 3, kernel: (1, 1), strides: (2, 2), padding: .same),
        // 3×3: symmetric `same`, `same` stride 2 on even sizes (0 before, 1 after) and odd sizes, `valid`.
        ConvCase(batch: 2, height: 5, width: 6, cin: 5, cout: 17, kernel: (3, 3), padding: .same),
        ConvCase(batch: 2, height: 6, width: 8, cin: 3, cout: 5, kernel: (3, 3), strides: (2, 2), padding: .same),
        ConvCase(batch: 1, height: 7, width: 9, cin: 17, cout: 3, kernel: (3, 3), strides: (2, 2), padding: .same),
        ConvCase(batch: 1, height: 7, width: 8, cin: 5, cout: 5, kernel: (3, 3), strides: (2, 2), padding: .valid),
        ConvCase(batch: 1, height: 6, width: 5, cin: 3, cout: 17, kernel: (3, 3), padding: .valid, useBias: false),
        // Dilation 2.
        ConvCase(batch: 2, height: 9, width: 8, cin: 3, cout: 5, kernel: (3, 3), dilation: (2, 2), padding: .same),
        ConvCase(batch: 1, height: 8, width: 9, cin: 5, cout: 3, kernel: (3, 3), dilation: (2, 2), padding: .valid),
        // 5×5: `same` stride 2 on even sizes (1 before, 2 after), stride 1, `valid` without bias.
        ConvCase(batch: 1, height: 8, width: 8, cin: 3, cout: 5, kernel: (5, 5), strides: (2, 2), padding: .same),
        ConvCase(batch: 2, height: 6, width: 7, cin: 5, cout: 3, kernel: (5, 5), padding: .same),
        ConvCase(batch: 1, height: 7, width: 6, cin: 17, cout: 5, kernel: (5, 5), padding: .valid, useBias: false),
        // 7×7: the stem (stride 2 `same` on even sizes: 2 before, 3 after), stride 1 `valid`.
        ConvCase(batch: 2, height: 8, width: 10, cin: 3, cout: 16, kernel: (7, 7), strides: (2, 2), padding: .same),
        ConvCase(batch: 1, height: 9, width: 8, cin: 5, cout: 3, kernel: (7, 7), padding: .valid),
        ConvCase(batch: 1, height: 7, width: 7, cin: 3, cout: 5, kernel: (7, 7), padding: .same, useBias: false),
        // Non-square kernel and strides.
        ConvCase(batch: 1, height: 8, width: 7, cin: 5, cout: 3, kernel: (3, 1), strides: (2, 1), padding: .same),
    ]

    private func makeConv(_ c: ConvCase, generator: inout SeededGenerator) throws -> Conv2D {
        try Conv2DTests.makeLayer(c, generator: &generator)
    }

    private func naive(_ layer: Conv2D, _ input: Tensor, bias: Bool = true) -> Tensor {
        let g = layer.geometry
        return naiveConv2D(input: input, kernel: layer.kernel.value, bias: bias ? layer.bias?.value : nil,
                           strides: (g.strideY, g.strideX), dilation: (g.dilationY, g.dilationX), padding: g.padding)
    }

    func testConv2DMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 101)
        for (index, c) in convCases.enumerated() {
            let layer = try makeConv(c, generator: &generator)
            let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
            try assertBothBackends(layer, input: input, expected: naive(layer, input), "case \(index)")
        }
    }

    /// A frozen layer in a training pass takes the oneDNN path too.
    func testFrozenConv2DMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 102)
        let c = convCases[5]
        let layer = try makeConv(c, generator: &generator)
        layer.isTrainable = false
        let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
        assertClose(try layer.forward(input, training: true), naive(layer, input), absolute: 1e-4, relative: 1e-4, "frozen")
        assertRanOneDNN(layer.oneDNNImplementations, "frozen")
    }

    /// The plain 1×1 convolution of the mobile networks must be computed by oneDNN, so that the
    /// tests here fail if oneDNN silently refuses everything.
    func testPointwiseConv2DRunsThroughOneDNN() throws {
        var generator = SeededGenerator(seed: 103)
        let layer = try makeConv(ConvCase(batch: 2, height: 4, width: 4, cin: 32, cout: 48, kernel: (1, 1), padding: .valid),
                                 generator: &generator)
        let input = generator.uniformTensor(shape: [2, 4, 4, 32])
        assertClose(try layer.forward(input, training: false), naive(layer, input), absolute: 1e-4, relative: 1e-4, "1×1")
        assertRanOneDNN(layer.oneDNNImplementations, "1×1")
        XCTAssertEqual(layer.oneDNNImplementations.count, 1)
        let trained = try makeConv(ConvCase(batch: 1, height: 3, width: 3, cin: 4, cout: 4, kernel: (1, 1), padding: .valid),
                                   generator: &generator)
        _ = try trained.forward(generator.uniformTensor(shape: [1, 3, 3, 4]), training: true)
        XCTAssertEqual(trained.oneDNNImplementations, [], "a layer being trained keeps the engine's kernels")
        let off = try makeConv(ConvCase(batch: 1, height: 3, width: 3, cin: 4, cout: 4, kernel: (1, 1), padding: .valid),
                               generator: &generator)
        _ = try withOneDNN(false) { try off.forward(generator.uniformTensor(shape: [1, 3, 3, 4]), training: false) }
        XCTAssertEqual(off.oneDNNImplementations, [], "Engine.usesOneDNN = false keeps the engine's kernels")
    }

    // MARK: - DepthwiseConv2D

    typealias DepthwiseCase = DepthwiseConv2DTests.Case

    let depthwiseCases: [DepthwiseCase] = [
        DepthwiseCase(shape: [2, 6, 7, 3], kernel: (3, 3), padding: .same),
        DepthwiseCase(shape: [1, 8, 8, 5], kernel: (3, 3), strides: (2, 2), padding: .same),
        DepthwiseCase(shape: [1, 7, 6, 17], kernel: (3, 3), strides: (2, 2), padding: .same, multiplier: 2),
        DepthwiseCase(shape: [1, 7, 7, 5], kernel: (3, 3), strides: (2, 2), padding: .valid),
        DepthwiseCase(shape: [1, 6, 8, 16], kernel: (3, 3), strides: (2, 2), padding: .valid, bias: false),
        DepthwiseCase(shape: [2, 7, 7, 17], kernel: (3, 3), dilation: (2, 2), padding: .same, bias: false),
        DepthwiseCase(shape: [1, 8, 9, 3], kernel: (3, 3), dilation: (2, 2), padding: .valid, multiplier: 2),
        DepthwiseCase(shape: [1, 9, 8, 5], kernel: (5, 5), strides: (2, 2), padding: .same, multiplier: 2),
        DepthwiseCase(shape: [1, 8, 8, 17], kernel: (5, 5), strides: (2, 2), padding: .same),
        DepthwiseCase(shape: [1, 8, 10, 16], kernel: (5, 5), padding: .valid),
        DepthwiseCase(shape: [1, 9, 9, 3], kernel: (7, 7), padding: .same, multiplier: 2),
        DepthwiseCase(shape: [1, 8, 8, 17], kernel: (7, 7), strides: (2, 2), padding: .same, bias: false),
        DepthwiseCase(shape: [2, 5, 5, 17], kernel: (1, 1), padding: .valid, multiplier: 2),
        DepthwiseCase(shape: [1, 6, 5, 5], kernel: (1, 1), strides: (2, 2), padding: .same),
    ]

    private func makeDepthwise(_ c: DepthwiseCase, generator: inout SeededGenerator) throws -> DepthwiseConv2D {
        try DepthwiseConv2DTests.makeLayer(c, generator: &generator)
    }

    private func naive(_ layer: DepthwiseConv2D, _ input: Tensor, bias: Bool = true) -> Tensor {
        let g = layer.geometry
        return naiveDepthwiseConv2D(input: input, kernel: layer.kernel.value, bias: bias ? layer.bias?.value : nil,
                                    strides: (g.strideY, g.strideX), dilation: (g.dilationY, g.dilationX), padding: g.padding)
    }

    func testDepthwiseConv2DMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 111)
        for (index, c) in depthwiseCases.enumerated() {
            let layer = try makeDepthwise(c, generator: &generator)
            let input = generator.uniformTensor(shape: c.shape)
            try assertBothBackends(layer, input: input, expected: naive(layer, input), "case \(index)")
        }
    }

    /// The 3×3 depthwise convolution of the mobile networks must be computed by oneDNN.
    func testDepthwise3x3RunsThroughOneDNN() throws {
        var generator = SeededGenerator(seed: 112)
        for c in [DepthwiseCase(shape: [2, 6, 6, 32], kernel: (3, 3), padding: .same),
                  DepthwiseCase(shape: [1, 8, 8, 32], kernel: (3, 3), strides: (2, 2), padding: .same)] {
            let layer = try makeDepthwise(c, generator: &generator)
            let input = generator.uniformTensor(shape: c.shape)
            assertClose(try layer.forward(input, training: false), naive(layer, input), absolute: 1e-4, relative: 1e-4,
                        "3×3 depthwise, strides \(c.strides)")
            assertRanOneDNN(layer.oneDNNImplementations, "3×3 depthwise, strides \(c.strides)")
        }
        let frozen = try makeDepthwise(depthwiseCases[2], generator: &generator)
        frozen.isTrainable = false
        let input = generator.uniformTensor(shape: depthwiseCases[2].shape)
        assertClose(try frozen.forward(input, training: true), naive(frozen, input), absolute: 1e-4, relative: 1e-4, "frozen")
        assertRanOneDNN(frozen.oneDNNImplementations, "frozen")
    }

    // MARK: - Epilogue and absorbed padding, set on the layer directly

    /// y = act(conv · scale + shift + residual) with every activation, against the formula; the
    /// layer's bias is ignored (fusion folds it into the shift). Scales up to 3 make ReLU6 clip.
    /// The residual stays in the caller's hands here, so it is copied before oneDNN adds into it:
    /// `inputs` is used again below and must come back unchanged.
    func testConv2DEpilogueMatchesFormula() throws {
        var generator = SeededGenerator(seed: 121)
        let cases = [
            ConvCase(batch: 2, height: 6, width: 5, cin: 5, cout: 17, kernel: (3, 3), padding: .same),
            ConvCase(batch: 1, height: 5, width: 4, cin: 17, cout: 24, kernel: (1, 1), padding: .valid, useBias: false),
            ConvCase(batch: 1, height: 8, width: 8, cin: 3, cout: 5, kernel: (7, 7), strides: (2, 2), padding: .same),
        ]
        var clipped = 0, zeroed = 0
        for (index, c) in cases.enumerated() {
            let layer = try makeConv(c, generator: &generator)
            let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
            let plain = naive(layer, input, bias: false)
            let scale = generator.uniformTensor(shape: [c.cout], low: 0.5, high: 3).scalars
            let shift = generator.uniformTensor(shape: [c.cout]).scalars
            let residual = generator.uniformTensor(shape: plain.shape, low: -2, high: 2)
            for activation in [ActivationKind.linear, .relu, .relu6] {
                for withResidual in [false, true] {
                    let message = "case \(index), \(activation), residual \(withResidual)"
                    layer.epilogue = ConvolutionEpilogue(scale: scale, shift: shift, activation: activation,
                                                         residualSource: withResidual ? "r" : nil)
                    let inputs = withResidual ? [input, residual] : [input]
                    let expected = applyEpilogue(plain, scale: scale, shift: shift, residual: withResidual ? residual : nil,
                                                 activation: activation)
                    let output = try layer.forward(inputs, training: false)
                    assertClose(output, expected, absolute: 1e-4, relative: 1e-4, message)
                    if activation == .relu6 {
                        clipped += output.scalars.filter { $0 == 6 }.count
                        zeroed += output.scalars.filter { $0 == 0 }.count
                    }
                    let own = try withOneDNN(false) { try layer.forward(inputs, training: false) }
                    assertClose(own, expected, absolute: 1e-4, relative: 1e-4, message + ", oneDNN off")
                    XCTAssertEqual(inputs.last, withResidual ? residual : input, message + ": the caller's residual changed")
                }
            }
            assertRanOneDNN(layer.oneDNNImplementations, "case \(index)")
            // One primitive per (activation, residual): six, of which the last few are kept.
            XCTAssertEqual(layer.oneDNNImplementations.count, OneDNNPrimitives.capacity, "case \(index)")
            layer.epilogue = nil
            assertClose(try layer.forward(input, training: false), naive(layer, input), absolute: 1e-4, relative: 1e-4,
                        "case \(index), epilogue removed")
        }
        XCTAssertGreaterThan(clipped, 0, "ReLU6 clipped some outputs at 6")
        XCTAssertGreaterThan(zeroed, 0, "ReLU6 clipped some outputs at 0")
    }

    func testDepthwiseEpilogueMatchesFormula() throws {
        var generator = SeededGenerator(seed: 122)
        let cases = [
            DepthwiseCase(shape: [2, 6, 6, 17], kernel: (3, 3), padding: .same),
            DepthwiseCase(shape: [1, 8, 8, 5], kernel: (5, 5), strides: (2, 2), padding: .same, multiplier: 2, bias: false),
        ]
        for (index, c) in cases.enumerated() {
            let layer = try makeDepthwise(c, generator: &generator)
            let input = generator.uniformTensor(shape: c.shape, low: -2, high: 2)
            let plain = naive(layer, input, bias: false)
            let channels = layer.outputChannels
            let scale = generator.uniformTensor(shape: [channels], low: 0.5, high: 4).scalars
            let shift = generator.uniformTensor(shape: [channels]).scalars
            for activation in [ActivationKind.linear, .relu, .relu6] {
                layer.epilogue = ConvolutionEpilogue(scale: scale, shift: shift, activation: activation)
                let expected = applyEpilogue(plain, scale: scale, shift: shift, residual: nil, activation: activation)
                assertClose(try layer.forward(input, training: false), expected, absolute: 1e-4, relative: 1e-4,
                            "case \(index), \(activation)")
                let own = try withOneDNN(false) { try layer.forward(input, training: false) }
                assertClose(own, expected, absolute: 1e-4, relative: 1e-4, "case \(index), \(activation), oneDNN off")
            }
            assertRanOneDNN(layer.oneDNNImplementations, "case \(index)")
        }
    }

    /// An absorbed `ZeroPadding2D` border: the layer on the unpadded input equals the layer on
    /// the padded copy, asymmetric borders included, under `valid` and `same`.
    func testAbsorbedBorderMatchesPaddedInput() throws {
        var generator = SeededGenerator(seed: 123)
        let borders = [ZeroBorder(top: 0, bottom: 1, left: 0, right: 1), ZeroBorder(top: 1, bottom: 1, left: 1, right: 1),
                       ZeroBorder(top: 1, bottom: 0, left: 2, right: 1), ZeroBorder(top: 3, bottom: 3, left: 3, right: 3)]
        let convs = [
            ConvCase(batch: 2, height: 6, width: 6, cin: 5, cout: 17, kernel: (3, 3), strides: (2, 2), padding: .valid),
            ConvCase(batch: 1, height: 5, width: 6, cin: 3, cout: 5, kernel: (3, 3), padding: .valid, useBias: false),
            ConvCase(batch: 1, height: 4, width: 5, cin: 17, cout: 3, kernel: (1, 1), padding: .valid),
            ConvCase(batch: 1, height: 8, width: 8, cin: 3, cout: 16, kernel: (7, 7), strides: (2, 2), padding: .valid),
            ConvCase(batch: 1, height: 5, width: 5, cin: 5, cout: 3, kernel: (3, 3), strides: (2, 2), padding: .same),
        ]
        for (index, c) in convs.enumerated() {
            for border in borders {
                let layer = try makeConv(c, generator: &generator)
                layer.absorbedBorder = border
                let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
                let expected = naive(layer, zeroPadded(input, border))
                assertClose(try layer.forward(input, training: false), expected, absolute: 1e-4, relative: 1e-4,
                            "conv \(index), \(border)")
                assertRanOneDNN(layer.oneDNNImplementations, "conv \(index), \(border)")
            }
        }
        let depthwise = [
            DepthwiseCase(shape: [2, 8, 8, 17], kernel: (3, 3), strides: (2, 2), padding: .valid),
            DepthwiseCase(shape: [1, 7, 6, 5], kernel: (3, 3), strides: (2, 2), padding: .valid, multiplier: 2),
            DepthwiseCase(shape: [1, 8, 8, 3], kernel: (5, 5), strides: (2, 2), padding: .valid, bias: false),
            DepthwiseCase(shape: [1, 6, 6, 16], kernel: (3, 3), padding: .same),
        ]
        for (index, c) in depthwise.enumerated() {
            for border in borders {
                let layer = try makeDepthwise(c, generator: &generator)
                layer.absorbedBorder = border
                let input = generator.uniformTensor(shape: c.shape)
                let expected = naive(layer, zeroPadded(input, border))
                assertClose(try layer.forward(input, training: false), expected, absolute: 1e-4, relative: 1e-4,
                            "depthwise \(index), \(border)")
                assertRanOneDNN(layer.oneDNNImplementations, "depthwise \(index), \(border)")
            }
        }
    }

    // MARK: - Fused graphs

    /// Runs the graph unfused and fused, with oneDNN on and off; every run must equal the
    /// unfused graph on the engine's own kernels.
    private func assertFusionAgrees(_ graph: Graph, input: Tensor, checkFused: (Graph) -> Void,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        graph.unfuse()
        let reference = try withOneDNN(false) { try graph.forward(input) }
        let unfused = try graph.forward(input)
        assertClose(unfused, reference, absolute: 1e-4, relative: 1e-4, "unfused, oneDNN", file: file, line: line)
        graph.fuseForInference()
        checkFused(graph)
        let fused = try graph.forward(input)
        assertClose(fused, reference, absolute: 1e-4, relative: 1e-4, "fused, oneDNN", file: file, line: line)
        let fusedOwn = try withOneDNN(false) { try graph.forward(input) }
        assertClose(fusedOwn, reference, absolute: 1e-4, relative: 1e-4, "fused, oneDNN off", file: file, line: line)
        // Back to unfused and fused again: the prepared weights follow the epilogue.
        graph.unfuse()
        assertClose(try graph.forward(input), reference, absolute: 1e-4, relative: 1e-4, "unfused again", file: file, line: line)
        graph.fuseForInference()
        assertClose(try graph.forward(input), reference, absolute: 1e-4, relative: 1e-4, "fused again", file: file, line: line)
        for case let layer as OneDNNLayer in graph.layers {
            assertRanOneDNN(layer.oneDNNImplementations, layer.name, file: file, line: line)
        }
    }

    /// Conv2D (3×3 stride 2 `same`, even input) → BN → ReLU6, then 1×1 conv → BN (no activation:
    /// the fused and unfused primitives share their key and differ only in the weights).
    func testFusedConvBatchNormReLU6() throws {
        var generator = SeededGenerator(seed: 131)
        let graph = Graph(inputShape: [8, 6, 3])
        let c1 = try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 3, filters: 17, kernelSize: (3, 3),
                                                             strides: (2, 2), padding: .same)))
        try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 17)))
        try graph.add(Activation(name: "r1", kind: .relu6))
        let c2 = try graph.add(randomized(&generator, Conv2D(name: "c2", inputChannels: 17, filters: 5, kernelSize: (1, 1))))
        try graph.add(randomized(&generator, BatchNormalization(name: "b2", channels: 5)))
        let input = generator.uniformTensor(shape: [2, 8, 6, 3], low: -3, high: 3)
        try assertFusionAgrees(graph, input: input) { graph in
            XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.activation, .relu6)
            XCTAssertEqual((graph.nodes[c2].layer as! Conv2D).epilogue?.activation, .linear)
        }
    }

    /// Handed the last reference to its residual, a convolution computes its output in the
    /// residual's storage (no copy; ResNet50 +2–5% images/s); a residual someone else holds is
    /// copied first and stays as it was.
    func testResidualStorageIsReusedOnlyWhenHandedOver() throws {
        var generator = SeededGenerator(seed: 124)
        let c = ConvCase(batch: 2, height: 5, width: 4, cin: 17, cout: 24, kernel: (1, 1), padding: .valid)
        let layer = try makeConv(c, generator: &generator)
        let scale = generator.uniformTensor(shape: [c.cout], low: 0.5, high: 2).scalars
        let shift = generator.uniformTensor(shape: [c.cout]).scalars
        layer.epilogue = ConvolutionEpilogue(scale: scale, shift: shift, activation: .relu, residualSource: "r")
        let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
        let residual = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cout], low: -2, high: 2)
        let expected = applyEpilogue(naive(layer, input, bias: false), scale: scale, shift: shift, residual: residual,
                                     activation: .relu)

        let handedOver = [input, Tensor(shape: residual.shape, scalars: residual.scalars.map { $0 })]  // no one else holds it
        let storage = handedOver[1].withPointer { $0 }
        let output = try layer.forward(consume handedOver, training: false)
        assertClose(output, expected, absolute: 1e-4, relative: 1e-4, "handed over")
        XCTAssertEqual(output.withPointer { $0 }, storage, "the output is not in the residual's storage")
        assertRanOneDNN(layer.oneDNNImplementations, "handed over")

        let kept = residual
        let shared = try layer.forward([input, kept], training: false)
        assertClose(shared, expected, absolute: 1e-4, relative: 1e-4, "shared")
        XCTAssertEqual(kept, residual, "a residual the caller still holds was overwritten")
        XCTAssertNotEqual(shared.withPointer { $0 }, kept.withPointer { $0 })
    }

    /// A graph hands a fused convolution its residual only when nothing else reads it: a node the
    /// caller fetches keeps its own values.
    func testFetchedResidualIsNotOverwritten() throws {
        var generator = SeededGenerator(seed: 133)
        let graph = Graph(inputShape: [4, 5, 8])
        try graph.add(randomized(&generator, Conv2D(name: "c0", inputChannels: 8, filters: 16, kernelSize: (1, 1))))
        let x = try graph.add(Activation(name: "x", kind: .relu))
        let c1 = try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 16, filters: 16, kernelSize: (1, 1))),
                               inputs: [x])
        let b1 = try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 16)))
        let sum = try graph.add(Add(name: "add"), inputs: [x, b1])
        let out = try graph.add(Activation(name: "out", kind: .relu))
        let input = generator.uniformTensor(shape: [2, 4, 5, 8], low: -2, high: 2)
        let reference = try graph.run(feeding: [0: input], fetching: [x, out], training: false)
        graph.fuseForInference()
        XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.residualSource, "x")
        // The Add passes on what the convolution computed and no longer reads x.
        XCTAssertEqual(graph.sourcesAsFused()[sum], [b1])
        XCTAssertEqual(graph.sourcesAsFused()[c1], [x, x])
        let fused = try graph.run(feeding: [0: input], fetching: [x, out], training: false)
        assertClose(try XCTUnwrap(fused[x]), try XCTUnwrap(reference[x]), absolute: 1e-6, relative: 1e-6, "the fetched residual")
        assertClose(try XCTUnwrap(fused[out]), try XCTUnwrap(reference[out]), absolute: 1e-4, relative: 1e-4, "the block's output")
    }

    /// A residual block: conv → BN → Add(block input) → ReLU, the sum and the ReLU fused into the
    /// conv as oneDNN post-ops; then a projection block whose shortcut is conv → BN.
    func testFusedResidualAddReLU() throws {
        var generator = SeededGenerator(seed: 132)
        let graph = Graph(inputShape: [6, 5, 17])
        let c1 = try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 17, filters: 17, kernelSize: (3, 3),
                                                             padding: .same)))
        let b1 = try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 17)))
        try graph.add(Add(name: "add1"), inputs: [0, b1])
        let x1 = try graph.add(Activation(name: "out1", kind: .relu))
        try graph.add(randomized(&generator, Conv2D(name: "s0", inputChannels: 17, filters: 5, kernelSize: (1, 1))), inputs: [x1])
        let t0 = try graph.add(randomized(&generator, BatchNormalization(name: "t0", channels: 5)))
        let c2 = try graph.add(randomized(&generator, Conv2D(name: "c2", inputChannels: 17, filters: 5, kernelSize: (1, 1),
                                                             useBias: false)), inputs: [x1])
        let b2 = try graph.add(randomized(&generator, BatchNormalization(name: "b2", channels: 5)))
        try graph.add(Add(name: "add2"), inputs: [t0, b2])
        try graph.add(Activation(name: "out2", kind: .relu))
        let input = generator.uniformTensor(shape: [2, 6, 5, 17], low: -2, high: 2)
        try assertFusionAgrees(graph, input: input) { graph in
            XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.residualSource, "input_1")
            XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.activation, .relu)
            XCTAssertEqual((graph.nodes[c2].layer as! Conv2D).epilogue?.residualSource, "t0")
        }
    }

    /// ZeroPadding2D (0, 1, 0, 1) → depthwise 3×3 stride 2 `valid` → BN → ReLU6, as MobileNetV2
    /// downsamples; then ZeroPadding2D(1) → 3×3 conv and a 5×5 depthwise with multiplier 2.
    func testFusedZeroPaddingBeforeStridedDepthwise() throws {
        var generator = SeededGenerator(seed: 133)
        let graph = Graph(inputShape: [9, 8, 17])
        try graph.add(ZeroPadding2D(name: "p1", top: 0, bottom: 1, left: 0, right: 1))
        let d1 = try graph.add(randomized(&generator, DepthwiseConv2D(name: "d1", inputChannels: 17, kernelSize: (3, 3),
                                                                      strides: (2, 2), useBias: false)))
        try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 17)))
        try graph.add(Activation(name: "r1", kind: .relu6))
        try graph.add(ZeroPadding2D(name: "p2", padding: 1))
        let c2 = try graph.add(randomized(&generator, Conv2D(name: "c2", inputChannels: 17, filters: 5, kernelSize: (3, 3))))
        try graph.add(randomized(&generator, BatchNormalization(name: "b2", channels: 5)))
        try graph.add(Activation(name: "r2", kind: .relu))
        let d3 = try graph.add(randomized(&generator, DepthwiseConv2D(name: "d3", inputChannels: 5, kernelSize: (5, 5),
                                                                      padding: .same, depthMultiplier: 2)))
        try graph.add(randomized(&generator, BatchNormalization(name: "b3", channels: 10)))
        let input = generator.uniformTensor(shape: [2, 9, 8, 17], low: -2, high: 2)
        try assertFusionAgrees(graph, input: input) { graph in
            let strided = graph.nodes[d1].layer as! DepthwiseConv2D
            XCTAssertEqual(strided.absorbedBorder, ZeroBorder(top: 0, bottom: 1, left: 0, right: 1))
            XCTAssertEqual(strided.epilogue?.activation, .relu6)
            XCTAssertEqual((graph.nodes[c2].layer as! Conv2D).absorbedBorder, ZeroBorder(top: 1, bottom: 1, left: 1, right: 1))
            XCTAssertNotNil((graph.nodes[d3].layer as! DepthwiseConv2D).epilogue)
        }
    }

    // MARK: - Cached weights and primitives

    /// The reordered weights follow `Parameter.version`: a new kernel value, an in-place update
    /// through `withMutablePointer`, `assign`, and a bias update (value and in place) all change
    /// the output.
    func testConv2DFollowsKernelAndBiasUpdates() throws {
        var generator = SeededGenerator(seed: 141)
        for c in [ConvCase(batch: 2, height: 5, width: 5, cin: 17, cout: 5, kernel: (1, 1), padding: .valid),
                  ConvCase(batch: 1, height: 6, width: 6, cin: 5, cout: 17, kernel: (3, 3), strides: (2, 2), padding: .same)] {
            let layer = try makeConv(c, generator: &generator)
            let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin])
            var previous = try layer.forward(input, training: false)
            assertClose(previous, naive(layer, input), absolute: 1e-4, relative: 1e-4, "\(c.kernel) initial")
            let updates: [(String, () throws -> Void)] = [
                ("new kernel value", { layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape) }),
                ("kernel updated in place", { layer.kernel.value.withMutablePointer { $0[3] += 0.5 } }),
                ("kernel assigned", { try layer.kernel.assign(generator.uniformTensor(shape: layer.kernel.shape)) }),
                ("new bias value", { layer.bias!.value = generator.uniformTensor(shape: layer.bias!.shape) }),
                ("bias updated in place", { layer.bias!.value.withMutablePointer { $0[1] += 1 } }),
            ]
            for (what, update) in updates {
                try update()
                let output = try layer.forward(input, training: false)
                XCTAssertNotEqual(output, previous, "\(c.kernel) \(what): the output changes")
                assertClose(output, naive(layer, input), absolute: 1e-4, relative: 1e-4, "\(c.kernel) \(what)")
                previous = output
            }
            assertRanOneDNN(layer.oneDNNImplementations, "\(c.kernel)")
            XCTAssertEqual(layer.oneDNNImplementations.count, 1, "one primitive, its weights updated")
        }
    }

    func testDepthwiseFollowsKernelAndBiasUpdates() throws {
        var generator = SeededGenerator(seed: 142)
        let c = DepthwiseCase(shape: [2, 6, 6, 17], kernel: (3, 3), padding: .same, multiplier: 2)
        let layer = try makeDepthwise(c, generator: &generator)
        let input = generator.uniformTensor(shape: c.shape)
        var previous = try layer.forward(input, training: false)
        let updates: [(String, () throws -> Void)] = [
            ("new kernel value", { layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape) }),
            ("kernel updated in place", { layer.kernel.value.withMutablePointer { $0[40] -= 0.5 } }),
            ("new bias value", { layer.bias!.value = generator.uniformTensor(shape: layer.bias!.shape) }),
            ("bias updated in place", { layer.bias!.value.withMutablePointer { $0[33] += 1 } }),
        ]
        for (what, update) in updates {
            try update()
            let output = try layer.forward(input, training: false)
            XCTAssertNotEqual(output, previous, "\(what): the output changes")
            assertClose(output, naive(layer, input), absolute: 1e-4, relative: 1e-4, what)
            previous = output
        }
        assertRanOneDNN(layer.oneDNNImplementations, "depthwise")
    }

    /// A changed epilogue (new BN statistics after unfuse/fuse) re-prepares the weights even when
    /// the kernel did not change: new scale and shift, the scale alone, the shift alone.
    func testFollowsEpilogueUpdates() throws {
        var generator = SeededGenerator(seed: 143)
        let conv = try makeConv(ConvCase(batch: 1, height: 5, width: 5, cin: 5, cout: 17, kernel: (3, 3), padding: .same),
                                generator: &generator)
        let depthwise = try makeDepthwise(DepthwiseCase(shape: [1, 5, 5, 17], kernel: (3, 3), padding: .same),
                                          generator: &generator)
        let x = generator.uniformTensor(shape: [1, 5, 5, 5])
        let y = generator.uniformTensor(shape: [1, 5, 5, 17])
        let plain = (conv: naive(conv, x, bias: false), depthwise: naive(depthwise, y, bias: false))
        var scale = [Float](repeating: 1, count: 17), shift = [Float](repeating: 0, count: 17)
        for round in 0..<4 {
            if round != 2 { scale = generator.uniformTensor(shape: [17], low: 0.5, high: 2).scalars }
            if round != 1 { shift = generator.uniformTensor(shape: [17]).scalars }
            let epilogue = ConvolutionEpilogue(scale: scale, shift: shift, activation: .linear)
            conv.epilogue = epilogue
            depthwise.epilogue = epilogue
            assertClose(try conv.forward(x, training: false),
                        applyEpilogue(plain.conv, scale: scale, shift: shift, residual: nil, activation: .linear),
                        absolute: 1e-4, relative: 1e-4, "conv, round \(round)")
            assertClose(try depthwise.forward(y, training: false),
                        applyEpilogue(plain.depthwise, scale: scale, shift: shift, residual: nil, activation: .linear),
                        absolute: 1e-4, relative: 1e-4, "depthwise, round \(round)")
        }
        XCTAssertEqual(conv.oneDNNImplementations.count, 1)
        XCTAssertEqual(depthwise.oneDNNImplementations.count, 1)
    }

    /// Batch 3, then 1, then 3 again, and more sizes than the layer keeps primitives for (4), then
    /// a different image size: each output right.
    func testBatchAndImageSizeChanges() throws {
        var generator = SeededGenerator(seed: 151)
        let conv = try makeConv(ConvCase(cin: 5, cout: 17, kernel: (3, 3), strides: (2, 2), padding: .same), generator: &generator)
        let depthwise = try makeDepthwise(DepthwiseCase(shape: [1, 6, 6, 17], kernel: (3, 3), padding: .same, multiplier: 2),
                                          generator: &generator)
        let shapes = [[3, 6, 6], [1, 6, 6], [3, 6, 6], [2, 6, 6], [4, 6, 6], [5, 6, 6], [1, 6, 6], [3, 6, 6], [1, 5, 7], [3, 6, 6]]
        for shape in shapes {
            let x = generator.uniformTensor(shape: shape + [5])
            assertClose(try conv.forward(x, training: false), naive(conv, x), absolute: 1e-4, relative: 1e-4, "conv \(shape)")
            let y = generator.uniformTensor(shape: shape + [17])
            assertClose(try depthwise.forward(y, training: false), naive(depthwise, y), absolute: 1e-4, relative: 1e-4,
                        "depthwise \(shape)")
            XCTAssertLessThanOrEqual(conv.oneDNNImplementations.count, OneDNNPrimitives.capacity)
        }
        assertRanOneDNN(conv.oneDNNImplementations, "conv")
        assertRanOneDNN(depthwise.oneDNNImplementations, "depthwise")
        XCTAssertEqual(conv.oneDNNImplementations.count, OneDNNPrimitives.capacity, "older primitives are dropped")
    }

    /// Primitives for two batch sizes share one copy of the weights when oneDNN chose the same
    /// layout for both, and a kernel update reaches both.
    func testBatchSizesShareWeights() throws {
        var generator = SeededGenerator(seed: 131)
        let conv = try makeConv(ConvCase(batch: 1, height: 6, width: 6, cin: 16, cout: 32, kernel: (1, 1), padding: .valid),
                                generator: &generator)
        let inputs = [generator.uniformTensor(shape: [3, 6, 6, 16]), generator.uniformTensor(shape: [1, 6, 6, 16])]
        for round in 0..<3 {
            for x in inputs {
                assertClose(try conv.forward(x, training: false), naive(conv, x), absolute: 1e-4, relative: 1e-4,
                            "round \(round), batch \(x.shape[0])")
            }
            conv.kernel.value.withMutablePointer { $0[round] += 1 }
        }
        XCTAssertEqual(conv.oneDNNImplementations.count, 2)
        XCTAssertEqual(conv.oneDNNWeightCopies, 1, "one copy of the weights for both batch sizes")
    }

    /// Several engine threads: oneDNN's OpenMP threads follow `Engine.threadCount`.
    func testThreadCounts() throws {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        var generator = SeededGenerator(seed: 161)
        let conv = try makeConv(ConvCase(batch: 2, height: 8, width: 8, cin: 17, cout: 17, kernel: (3, 3), padding: .same),
                                generator: &generator)
        let depthwise = try makeDepthwise(DepthwiseCase(shape: [2, 8, 8, 17], kernel: (3, 3), padding: .same),
                                          generator: &generator)
        let x = generator.uniformTensor(shape: [2, 8, 8, 17])
        for threads in [1, 2, 3] {
            Engine.threadCount = threads
            assertClose(try conv.forward(x, training: false), naive(conv, x), absolute: 1e-4, relative: 1e-4, "conv, \(threads)")
            assertClose(try depthwise.forward(x, training: false), naive(depthwise, x), absolute: 1e-4, relative: 1e-4,
                        "depthwise, \(threads)")
        }
    }
}
