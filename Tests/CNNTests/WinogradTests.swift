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
