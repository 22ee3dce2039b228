import XCTest
@testable import CNN

/// Winograd F(2×2, 3×3) against the direct six-loop convolution: odd output sizes (tiles cut
/// by the border), channel counts that are not multiples of 16, `same` and `valid`, bias or
/// a fused epilogue with a residual, one tile row per chunk and one chunk per thread.
final class WinogradTests: XCTestCase {
    struct Case {
        var batch: Int, height: Int, width: Int, cin: Int, cout: Int
        var padding: Padding
    }

    let cases = [
        Case(batch: 2, height: 7, width: 9, cin: 17, cout: 20, padding: .same),
        Case(batch: 1, height: 6, width: 6, cin: 16, cout: 32, padding: .valid),
        Case(batch: 3, height: 5, width: 4, cin: 33, cout: 16, padding: .same),
    ]

    func testMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 81)
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        for (index, c) in cases.enumerated() {
            let kernel = generator.uniformTensor(shape: [3, 3, c.cin, c.cout])
            let bias = generator.uniformTensor(shape: [c.cout])
            let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin], low: -2, high: 2)
            let expected = naiveConv2D(input: input, kernel: kernel, bias: bias, strides: (1, 1), dilation: (1, 1), padding: c.padding)
            let sizes = ConvolutionSizes(batch: c.batch, height: c.height, width: c.width, inputChannels: c.cin, outputChannels: c.cout,
                                         geometry: ConvolutionGeometry(kernelHeight: 3, kernelWidth: 3, padding: c.padding))
            let transformed = kernel.withPointer { Winograd.transformKernel($0, inputChannels: c.cin, outputChannels: c.cout) }
            let tilesX = (sizes.outputWidth + 1) / 2
            for threads in [1, 2] {
                for chunkFloats in [4 << 20, 16 * tilesX * (c.cin + c.cout)] {
                    Engine.threadCount = threads
                    let output = Tensor.overwritten(shape: expected.shape) { y in
                        input.withPointer { x in
                            bias.withPointer { b in
                                transformed.withUnsafeBufferPointer { u in
                                    Winograd.forward(input: x, transformedKernel: u.baseAddress!, bias: b, output: y, sizes: sizes,
                                                     epilogue: nil, residual: nil, chunkFloats: chunkFloats)
                                }
                            }
                        }
                    }
                    assertClose(output, expected, absolute: 1e-4, relative: 1e-4, "case \(index), \(threads) thread(s), chunk \(chunkFloats)")
                }
            }

            // The epilogue path: y = relu(conv·scale + shift + residual).
            let scale = generator.uniformTensor(shape: [c.cout]).scalars
            let shift = generator.uniformTensor(shape: [c.cout]).scalars
            let residual = generator.uniformTensor(shape: expected.shape)
            var fused = expected
            for i in 0..<fused.count {
                let channel = i % c.cout
                fused.scalars[i] = max(0, (expected.scalars[i] - bias.scalars[channel]) * scale[channel] + shift[channel] + residual.scalars[i])
            }
            let epilogue = ConvolutionEpilogue(scale: scale, shift: shift, activation: .relu, residualSource: "r")
            let output = Tensor.overwritten(shape: expected.shape) { y in
                input.withPointer { x in
                    residual.withPointer { r in
                        transformed.withUnsafeBufferPointer { u in
                            Winograd.forward(input: x, transformedKernel: u.baseAddress!, bias: nil, output: y, sizes: sizes,
                                             epilogue: epilogue, residual: r)
                        }
                    }
                }
            }
            assertClose(output, fused, absolute: 1e-4, relative: 1e-4, "case \(index), epilogue with residual")
        }
    }

    /// Which layers take the path: 3×3 stride 1, 16+ channels, and enough tiles per thread.
    func testAppliesToWideLayersWithManyTiles() {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        Engine.threadCount = 2
        func sizes(batch: Int, side: Int, channels: Int, stride: Int = 1) -> ConvolutionSizes {
            ConvolutionSizes(batch: batch, height: side, width: side, inputChannels: channels, outputChannels: channels,
                             geometry: ConvolutionGeometry(kernelHeight: 3, kernelWidth: 3, strideY: stride, strideX: stride,
                                                           padding: .same))
        }
        XCTAssertTrue(Winograd.applies(to: sizes(batch: 32, side: 7, channels: 512)), "ResNet50 conv5 at batch 32")
        XCTAssertTrue(Winograd.applies(to: sizes(batch: 1, side: 56, channels: 64)), "ResNet50 conv2 at batch 1")
        XCTAssertFalse(Winograd.applies(to: sizes(batch: 1, side: 7, channels: 512)), "ResNet50 conv5 at batch 1: 16 tiles")
        XCTAssertFalse(Winograd.applies(to: sizes(batch: 32, side: 56, channels: 8)), "narrow")
        XCTAssertFalse(Winograd.applies(to: sizes(batch: 32, side: 56, channels: 64, stride: 2)), "strided")
        XCTAssertFalse(Winograd.beatsDirectKernels(sizes(batch: 32, side: 56, channels: 64)), "ResNet50 conv2: oneDNN first")
        XCTAssertTrue(Winograd.beatsDirectKernels(sizes(batch: 32, side: 28, channels: 128)), "ResNet50 conv3: Winograd first")
    }

    /// Where Winograd applies, a layer of 128+ channels takes it before oneDNN; a narrower one
    /// takes oneDNN when it can run it, and Winograd otherwise (it still beats im2col). Each
    /// path matches im2col + GEMM.
    func testPathFollowsChannelCount() throws {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        Engine.threadCount = 2
        var generator = SeededGenerator(seed: 83)
        for channels in [16, 128] {
            let kernel = generator.uniformTensor(shape: [3, 3, channels, channels], low: -0.1, high: 0.1)
            let input = generator.uniformTensor(shape: [2, 16, 16, channels])
            func freshLayer() throws -> Conv2D {
                let layer = try Conv2D(name: "conv", inputChannels: channels, filters: channels, kernelSize: (3, 3), padding: .same)
                layer.kernel.value = kernel
                return layer
            }
            let sizes = ConvolutionSizes(batch: 2, height: 16, width: 16, inputChannels: channels, outputChannels: channels,
                                         geometry: try freshLayer().geometry)
            XCTAssertTrue(Winograd.applies(to: sizes))
            let viaIm2col = try withWinograd(false) { try withOneDNN(false) { try freshLayer().forward(input, training: false) } }
            try forEachConvolutionBackend { oneDNN in
                let layer = try freshLayer()
                assertClose(try layer.forward(input, training: false), viaIm2col, absolute: 1e-4, relative: 1e-4,
                            "\(channels) channels, oneDNN \(oneDNN)")
                let expectsOneDNN = oneDNN && channels < 128
                XCTAssertEqual(layer.oneDNNImplementations.isEmpty, !expectsOneDNN, "\(channels) channels, oneDNN \(oneDNN)")
            }
        }
    }

    /// A layer being trained runs forward and its input gradient through Winograd (the input
    /// gradient as the `same` convolution of the output gradient with the flipped, transposed
    /// kernel); every output and gradient matches im2col + GEMM's, whose backward the
    /// Conv2D tests check against finite differences, and a sample of the input and kernel
    /// gradients is checked against finite differences here too. Odd sizes cut border tiles;
    /// 16 → 20 channels tell the transposition from its absence.
    func testTrainedLayerMatchesIm2colAndFiniteDifferences() throws {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        Engine.threadCount = 2
        var generator = SeededGenerator(seed: 84)
        let kernel = generator.uniformTensor(shape: [3, 3, 16, 20], low: -0.3, high: 0.3)
        let bias = generator.uniformTensor(shape: [20])
        let input = generator.uniformTensor(shape: [2, 15, 17, 16], low: -1, high: 1)
        let sizes = ConvolutionSizes(batch: 2, height: 15, width: 17, inputChannels: 16, outputChannels: 20,
                                     geometry: ConvolutionGeometry(kernelHeight: 3, kernelWidth: 3, padding: .same))
        XCTAssertTrue(Winograd.applies(to: sizes))
        XCTAssertTrue(Winograd.appliesToInputGradient(of: sizes))
        let upstream = generator.uniformTensor(shape: [2, 15, 17, 20])
        func run(winograd: Bool) throws -> (layer: Conv2D, output: Tensor, inputGradient: Tensor) {
            try withWinograd(winograd) {
                let layer = try Conv2D(name: "conv", inputChannels: 16, filters: 20, kernelSize: (3, 3), padding: .same)
                layer.kernel.value = kernel
                layer.bias!.value = bias
                let output = try layer.forward(input, training: true)
                let gradient = try XCTUnwrap(try layer.backward(upstream, inputGradient: true))
                return (layer, output, gradient)
            }
        }
        let fast = try run(winograd: true)
        let reference = try run(winograd: false)
        assertClose(fast.output, reference.output, absolute: 1e-5, relative: 1e-4, "forward")
        assertClose(fast.inputGradient, reference.inputGradient, absolute: 1e-5, relative: 1e-4, "input gradient")
        assertClose(fast.layer.kernel.gradient, reference.layer.kernel.gradient, absolute: 1e-4, relative: 1e-4, "kernel gradient")
        assertClose(fast.layer.bias!.gradient, reference.layer.bias!.gradient, absolute: 1e-4, relative: 1e-4, "bias gradient")

        // loss = Σ forward · upstream, in Float64, by central differences on sampled elements.
        func loss(_ x: Tensor) throws -> Double {
            let out = try fast.layer.forward(x, training: true)
            return zip(out.scalars, upstream.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let epsilon: Float = 1e-2
        for index in stride(from: 5, to: input.count, by: 397) {
            var plus = input, minus = input
            plus.scalars[index] += epsilon
            minus.scalars[index] -= epsilon
            let numeric = Float((try loss(plus) - loss(minus)) / Double(2 * epsilon))
            XCTAssertEqual(fast.inputGradient.scalars[index], numeric, accuracy: 1e-2 * max(1, abs(numeric)), "input element \(index)")
        }
        for index in stride(from: 3, to: kernel.count, by: 211) {
            let original = fast.layer.kernel.value
            fast.layer.kernel.value.scalars[index] += epsilon
            let plus = try loss(input)
            fast.layer.kernel.value = original
            fast.layer.kernel.value.scalars[index] -= epsilon
            let minus = try loss(input)
            fast.layer.kernel.value = original
            let numeric = Float((plus - minus) / Double(2 * epsilon))
            XCTAssertEqual(fast.layer.kernel.gradient.scalars[index], numeric, accuracy: 1e-2 * max(1, abs(numeric)),
                           "kernel element \(index)")
        }
    }

    /// The kernel gradient adds to what the gradient holds, the same with several chunks of
    /// tile rows (one row each) as with one, on one thread or two, and matches im2col + GEMM's;
    /// `valid` padding and channel counts that are not multiples of 16 included.
    func testKernelGradientAccumulatesOverChunksAndThreads() {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        var generator = SeededGenerator(seed: 85)
        for c in cases {
            let sizes = ConvolutionSizes(batch: c.batch, height: c.height, width: c.width, inputChannels: c.cin, outputChannels: c.cout,
                                         geometry: ConvolutionGeometry(kernelHeight: 3, kernelWidth: 3, padding: c.padding))
            let input = generator.uniformTensor(shape: [c.batch, c.height, c.width, c.cin], low: -1, high: 1)
            let upstream = generator.uniformTensor(shape: [c.batch, sizes.outputHeight, sizes.outputWidth, c.cout])
            let start = generator.uniformTensor(shape: [3, 3, c.cin, c.cout])
            var expected = start
            input.withPointer { x in
                upstream.withPointer { dy in
                    expected.withMutablePointer { dw in
                        conv2dBackward(input: x, kernel: x, outputGradient: dy, kernelGradient: dw, biasGradient: nil,
                                       inputGradient: nil, sizes: sizes)
                    }
                }
            }
            for threads in [1, 2] {
                for chunkFloats in [1, 4 << 20] {
                    Engine.threadCount = threads
                    var actual = start
                    input.withPointer { x in
                        upstream.withPointer { dy in
                            actual.withMutablePointer { dw in
                                Winograd.accumulateKernelGradient(input: x, outputGradient: dy, into: dw, sizes: sizes,
                                                                  chunkFloats: chunkFloats)
                            }
                        }
                    }
                    assertClose(actual, expected, absolute: 1e-4, relative: 1e-4,
                                "\(c), \(threads) thread(s), chunk \(chunkFloats) floats")
                }
            }
        }
    }

    /// The layer caches the transformed kernel; a new kernel value must replace it. With
    /// oneDNN off a layer of 16 channels takes Winograd.
    func testLayerFollowsKernelUpdates() throws {
        try withOneDNN(false) {
            let layer = try layerFollowsKernelUpdates()
            XCTAssertEqual(layer.oneDNNImplementations, [], "Winograd, not oneDNN, computed it")
        }
    }

    private func layerFollowsKernelUpdates() throws -> Conv2D {
        var generator = SeededGenerator(seed: 82)
        let layer = try Conv2D(name: "conv", inputChannels: 16, filters: 16, kernelSize: (3, 3), padding: .same)
        let input = generator.uniformTensor(shape: [2, 24, 24, 16])
        let sizes = ConvolutionSizes(batch: 2, height: 24, width: 24, inputChannels: 16, outputChannels: 16, geometry: layer.geometry)
        XCTAssertTrue(Winograd.applies(to: sizes))
        for round in 0..<2 {
            layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape)
            layer.bias!.value.withMutablePointer { $0[0] += 1 }
            let expected = naiveConv2D(input: input, kernel: layer.kernel.value, bias: layer.bias!.value,
                                       strides: (1, 1), dilation: (1, 1), padding: .same)
            assertClose(try layer.forward(input, training: false), expected, absolute: 1e-4, relative: 1e-4, "round \(round)")
            layer.kernel.value.withMutablePointer { $0[5] += 0.5 }
            let updated = naiveConv2D(input: input, kernel: layer.kernel.value, bias: layer.bias!.value,
                                      strides: (1, 1), dilation: (1, 1), padding: .same)
            assertClose(try layer.forward(input, training: false), updated, absolute: 1e-4, relative: 1e-4,
                        "round \(round), after an in-place update")
        }
        return layer
    }
}
