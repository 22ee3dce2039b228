/// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3): each 2×2 block of
/// output pixels comes from a 4×4 input tile through 16 element-wise products in a
/// transformed domain, 16 multiplies instead of 36. Over channels those products are 16
/// GEMMs, (tiles × Cin) · (Cin × Cout), so the multiply count of ResNet's and VGG's 3×3
/// layers drops 2.25-fold; the transforms are additions over contiguous channel vectors.
/// The transforms' coefficients are 0, ±1 and ±½, so the result differs from the direct sum
/// only by rounding (checked against the naive convolution in the tests).
enum Winograd {
    /// Whether a convolution of this geometry and these channel counts takes this path:
    /// narrow layers are faster through im2col, and so are layers with few output tiles
    /// (ResNet's last stages at batch 1), where reading the kernel costs more than the
    /// multiplies and the transformed kernel is 16/9 the size.
    static func applies(to sizes: ConvolutionSizes) -> Bool {
        let g = sizes.geometry
        let tiles = sizes.batch * ((sizes.outputHeight + 1) / 2) * ((sizes.outputWidth + 1) / 2)
        return g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.dilationY == 1 && g.dilationX == 1 && sizes.inputChannels >= 16 && sizes.outputChannels >= 16
            && tiles >= 64 * max(1, Engine.threadCount)
    }

    /// Whether, where it applies, this path also beats oneDNN's direct 3×3 kernels. It does
    /// from 128 channels on; below, its 16 GEMMs are too narrow. Measured per layer on
    /// ResNet50 (`tl-bench forward --by-layer`): 64 channels (conv2) 29 ms against oneDNN's
    /// 22 ms per batch of 32, and 0.71–0.88 against 0.70–0.76 ms at batch 1; 128 channels
    /// (conv3) level at batch 32, 0.57–0.65 against 0.70–0.75 ms at batch 1; 256 and 512
    /// channels 16–19 against 20–22 ms at batch 32.
    static func beatsDirectKernels(_ sizes: ConvolutionSizes) -> Bool {
        min(sizes.inputChannels, sizes.outputChannels) >= 128
    }

    /// U = G·g·Gᵀ for every (input, output) channel pair of an HWIO kernel (3, 3, Cin, Cout),
    /// laid out as 16 matrices (Cin × Cout), one per transformed position. 16 output channels
    /// at a time (contiguous in both layouts), input channels split between the threads: a
    /// layer being trained transforms its kernel at every step.
    static func transformKernel(_ kernel: UnsafePointer<Float>, inputChannels cin: Int, outputChannels cout: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: 16 * cin * cout) { u, count in
            let (source, target) = (SendableConstPointer(kernel), SendablePointer(u.baseAddress!))
            forEachChannelPair(inputChannels: cin, outputChannels: cout) { ci, co, wide in
                if wide {
                    transformKernelLanes(SIMD16<Float>.self, source.base, into: target.base, cin: cin, cout: cout, ci: ci, co: co)
                } else {
                    transformKernelLanes(Float.self, source.base, into: target.base, cin: cin, cout: cout, ci: ci, co: co)
                }
            }
            count = 16 * cin * cout
        }
    }

    /// Runs `body(ci, co, wide)` for every input channel, split between the threads, and every
    /// output channel from `co` on, 16 at a time (`wide`) then one: the per-channel-pair
    /// transforms between a kernel (3, 3, Cin, Cout) and its 16 planes (Cin × Cout), in which
    /// thread t touches only its own input channels' rows.
    static func forEachChannelPair(inputChannels cin: Int, outputChannels cout: Int, _ body: (Int, Int, Bool) -> Void) {
        parallelChunks(cin, minimumChunk: max(1, 16_384 / max(1, cout))) { inputs in
            for ci in inputs {
                var co = 0
                while co + 16 <= cout {
                    body(ci, co, true)
                    co += 16
                }
                while co < cout {
                    body(ci, co, false)
                    co += 1
                }
            }
        }
    }

    /// Stores one row of a transformed 4×4 tile: position 4·row + k at `base` + k·`planeStride`.
    @inline(__always)
    static func storeRow<V: WinogradLane>(_ row: Int, _ values: (V, V, V, V), at base: UnsafeMutablePointer<Float>,
                                          planeStride: Int) {
        let start = base + 4 * row * planeStride
        values.0.store(to: start)
        values.1.store(to: start + planeStride)
        values.2.store(to: start + 2 * planeStride)
        values.3.store(to: start + 3 * planeStride)
    }

    /// U for input channel `ci` and the lanes of `V` (16 output channels or one) from `co` on.
    @inline(__always)
    private static func transformKernelLanes<V: WinogradLane>(_: V.Type, _ kernel: UnsafePointer<Float>,
                                                              into u: UnsafeMutablePointer<Float>,
                                                              cin: Int, cout: Int, ci: Int, co: Int) {
        func g(_ ky: Int, _ kx: Int) -> V { V.load(kernel + ((ky * 3 + kx) * cin + ci) * cout + co) }
        // G·g, column by column: 4 rows of 3.
        let c0 = filterTransform(g(0, 0), g(1, 0), g(2, 0))
        let c1 = filterTransform(g(0, 1), g(1, 1), g(2, 1))
        let c2 = filterTransform(g(0, 2), g(1, 2), g(2, 2))
        // (G·g)·Gᵀ, row by row.
        let plane = cin * cout
        let base = u + ci * cout + co
        func store(_ i: Int, _ row: (V, V, V, V)) { storeRow(i, row, at: base, planeStride: plane) }
        store(0, filterTransform(c0.0, c1.0, c2.0))
        store(1, filterTransform(c0.1, c1.1, c2.1))
        store(2, filterTransform(c0.2, c1.2, c2.2))
        store(3, filterTransform(c0.3, c1.3, c2.3))
    }

    /// G·(a, b, c) with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
    @inline(__always)
    private static func filterTransform<V: WinogradLane>(_ a: V, _ b: V, _ c: V) -> (V, V, V, V) {
        (a, (a + b + c).halved, (a - b + c).halved, c)
    }

    /// Bᵀ·(a, b, c, d) with Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], on
    /// 16 channels at once (and on one, for the remainder).
    @inline(__always)
    private static func inputTransform<V: WinogradLane>(_ a: V, _ b: V, _ c: V, _ d: V) -> (V, V, V, V) {
        (a - c, b + c, c - b, b - d)
    }

    /// Aᵀ·(a, b, c, d) with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
    @inline(__always)
    private static func outputTransform<V: WinogradLane>(_ a: V, _ b: V, _ c: V, _ d: V) -> (V, V) {
        (a + b + c, b - c - d)
    }

    /// Whether the input gradient of a convolution of these sizes can take this path: a 3×3
    /// stride-1 `same` convolution's input gradient is the `same` convolution of the output
    /// gradient with the kernel flipped and its channels swapped (`forward` with
    /// `flippedTransposedKernel`).
    static func appliesToInputGradient(of sizes: ConvolutionSizes) -> Bool {
        sizes.geometry.padding == .same && applies(to: inputGradientSizes(of: sizes))
    }

    /// The sizes of that convolution: the output gradient in, the input gradient out.
    static func inputGradientSizes(of sizes: ConvolutionSizes) -> ConvolutionSizes {
        ConvolutionSizes(batch: sizes.batch, height: sizes.outputHeight, width: sizes.outputWidth,
                         inputChannels: sizes.outputChannels, outputChannels: sizes.inputChannels, geometry: sizes.geometry)
    }

    /// Where transformed position (i, j) of a flipped kernel is found in the unflipped one's:
    /// G·J = P·G with J the 3×3 reversal and P the 4×4 swap of rows 0 and 3, so the transform
    /// of J·g·J is P·U·Pᵀ.
    private static let flippedPositions: [Int] = {
        let p = [3, 1, 2, 0]
        return (0..<16).map { 4 * p[$0 / 4] + p[$0 % 4] }
    }()

    /// output (N, OH, OW, Cout) = conv3×3(input) with the transformed kernel `u`, then either
    /// `bias` or `epilogue` (with `residual`). Writes every element of `output`.
    /// `flippedTransposedKernel`: `u` was transformed from a kernel (3, 3, Cout, Cin), and the
    /// convolution uses that kernel flipped in both spatial axes with its channels swapped, as
    /// the input gradient does (`inputGradientSizes`): no second transform is needed.
    static func forward(input: UnsafePointer<Float>, transformedKernel u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes, epilogue: ConvolutionEpilogue?,
                        residual: UnsafePointer<Float>?, flippedTransposedKernel: Bool = false, chunkFloats: Int = 4 << 20) {
        let (cin, cout) = (sizes.inputChannels, sizes.outputChannels)
        let tilesY = (sizes.outputHeight + 1) / 2
        let tilesX = (sizes.outputWidth + 1) / 2
        let tileRows = sizes.batch * tilesY
        let threads = max(1, min(Engine.threadCount, tileRows))
        let rowsPerThread = (tileRows + threads - 1) / threads
        // Tile rows per chunk: the chunk's transformed input and products (16 · tiles · (Cin + Cout)
        // floats) about 16 MiB, so the 16 GEMMs of a chunk amortize the packing of their kernels.
        let chunkRows = max(1, min(rowsPerThread, chunkFloats / (16 * tilesX * (cin + cout))))
        let (source, kernel, target) = (SendableConstPointer(input), SendableConstPointer(u), SendablePointer(output))
        let shift = bias.map(SendableConstPointer.init)
        let addend = residual.map(SendableConstPointer.init)
        let work = { (t: Int) in
            let rows = (t * rowsPerThread)..<min(tileRows, (t + 1) * rowsPerThread)
            guard !rows.isEmpty else { return }
            let maxTiles = chunkRows * tilesX
            withScratch(count: 16 * maxTiles * (cin + cout)) { scratch in
                let v = scratch
                let m = scratch + 16 * maxTiles * cin
                var first = rows.lowerBound
                while first < rows.upperBound {
                    let last = min(rows.upperBound, first + chunkRows)
                    let tiles = (last - first) * tilesX
                    transformInput(source.base, into: v, tileRows: first..<last, tilesX: tilesX, tilesY: tilesY,
                                   stride: tiles, sizes: sizes)
                    for position in 0..<16 {
                        // A flipped, transposed kernel's plane (Cin × Cout here) is the original's
                        // (Cout × Cin) at the mirrored position, read transposed.
                        let plane = flippedTransposedKernel ? flippedPositions[position] : position
                        serialSgemm(transposeA: false, transposeB: flippedTransposedKernel, m: tiles, n: cout, k: cin,
                                    a: v + position * tiles * cin, lda: cin, b: kernel.base + plane * cin * cout,
                                    ldb: flippedTransposedKernel ? cin : cout,
                                    beta: 0, c: m + position * tiles * cout, ldc: cout)
                    }
                    let pixels = transformOutput(m, into: target.base, tileRows: first..<last, tilesX: tilesX, tilesY: tilesY,
                                                 stride: tiles, sizes: sizes)
                    if let epilogue {
                        epilogue.apply(to: target.base + pixels.lowerBound * cout, rows: pixels.count,
                                       residual: addend.map { $0.base + pixels.lowerBound * cout })
                    } else if let shift {
                        for pixel in pixels {
                            let line = target.base + pixel * cout
                            for c in 0..<cout { line[c] += shift.base[c] }
                        }
                    }
                    first = last
                }
            }
        }
        // Thread t writes only the output rows of its own tile rows.
        onThreads(threads, work)
    }

    /// V = Bᵀ·d·B for the 4×4 input tiles of the given global tile rows (image · tilesY + tile
    /// row), into 16 matrices (tiles × Cin) `stride` tiles apart; zeros outside the image.
    static func transformInput(_ input: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
                                       tileRows: Range<Int>, tilesX: Int, tilesY: Int, stride: Int, sizes: ConvolutionSizes) {
        let cin = sizes.inputChannels
        withScratch(count: cin) { zero in
            zero.initialize(repeating: 0, count: cin)
            let d = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: 16)
            defer { d.deallocate() }
            var tile = 0
            for globalRow in tileRows {
                let image = globalRow / tilesY
                let y0 = (globalRow % tilesY) * 2 - sizes.padTop
                let imageBase = input + image * sizes.height * sizes.width * cin
                for tx in 0..<tilesX {
                    let x0 = tx * 2 - sizes.padLeft
                    for i in 0..<4 {
                        let y = y0 + i
                        for j in 0..<4 {
                            let x = x0 + j
                            d[4 * i + j] = (y >= 0 && y < sizes.height && x >= 0 && x < sizes.width)
                                ? imageBase + (y * sizes.width + x) * cin : UnsafePointer(zero)
                        }
                    }
                    transformInputTile(d, into: v + tile * cin, planeStride: stride * cin, channels: cin)
                    tile += 1
                }
            }
        }
    }

    @inline(__always)
    private static func transformInputTile(_ d: UnsafePointer<UnsafePointer<Float>>, into out: UnsafeMutablePointer<Float>,
                                           planeStride: Int, channels: Int) {
        var c = 0
        while c + 16 <= channels {
            transformInputLanes(SIMD16<Float>.self, d, into: out, planeStride: planeStride, channel: c)
            c += 16
        }
        while c < channels {
            transformInputLanes(Float.self, d, into: out, planeStride: planeStride, channel: c)
            c += 1
        }
    }

    /// Bᵀ·d·B for the lanes of `V` (16 channels or one) from `channel` on.
    @inline(__always)
    private static func transformInputLanes<V: WinogradLane>(_: V.Type, _ d: UnsafePointer<UnsafePointer<Float>>,
                                                             into out: UnsafeMutablePointer<Float>, planeStride: Int,
                                                             channel c: Int) {
        func x(_ k: Int) -> V { V.load(d[k] + c) }
        func store(_ row: Int, _ values: (V, V, V, V)) { storeRow(row, values, at: out + c, planeStride: planeStride) }
        // Bᵀ·d column by column, then each row times B.
        let c0 = inputTransform(x(0), x(4), x(8), x(12))
        let c1 = inputTransform(x(1), x(5), x(9), x(13))
        let c2 = inputTransform(x(2), x(6), x(10), x(14))
        let c3 = inputTransform(x(3), x(7), x(11), x(15))
        store(0, inputTransform(c0.0, c1.0, c2.0, c3.0))
        store(1, inputTransform(c0.1, c1.1, c2.1, c3.1))
        store(2, inputTransform(c0.2, c1.2, c2.2, c3.2))
        store(3, inputTransform(c0.3, c1.3, c2.3, c3.3))
    }

    /// Y = Aᵀ·M·A for each tile, written to its 2×2 output pixels (those inside the output).
    /// Returns the flattened output pixels (over N, OH, OW) the tile rows cover: one contiguous range.
    private static func transformOutput(_ m: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                                        tileRows: Range<Int>, tilesX: Int, tilesY: Int, stride: Int,
                                        sizes: ConvolutionSizes) -> Range<Int> {
        let cout = sizes.outputChannels
        let (oh, ow) = (sizes.outputHeight, sizes.outputWidth)
        // The first output pixel of a global tile row; one past the end for the row after an image's last.
        func firstPixel(_ globalRow: Int) -> Int {
            (globalRow / tilesY * oh + min(oh, globalRow % tilesY * 2)) * ow
        }
        var tile = 0
        for globalRow in tileRows {
            let image = globalRow / tilesY
            let y0 = (globalRow % tilesY) * 2
            let rowBase = output + (image * oh + y0) * ow * cout
            let hasSecondRow = y0 + 1 < oh
            for tx in 0..<tilesX {
                let x0 = tx * 2
                transformOutputTile(m + tile * cout, planeStride: stride * cout, top: rowBase + x0 * cout,
                                    rowStride: ow * cout, hasSecondRow: hasSecondRow, hasSecondColumn: x0 + 1 < ow,
                                    channels: cout)
                tile += 1
            }
        }
        let last = tileRows.upperBound - 1
        return firstPixel(tileRows.lowerBound)..<(last / tilesY * oh + min(oh, last % tilesY * 2 + 2)) * ow
    }

    @inline(__always)
    private static func transformOutputTile(_ m: UnsafePointer<Float>, planeStride: Int, top: UnsafeMutablePointer<Float>,
                                            rowStride: Int, hasSecondRow: Bool, hasSecondColumn: Bool, channels: Int) {
        var c = 0
        while c + 16 <= channels {
            transformOutputLanes(SIMD16<Float>.self, m, planeStride: planeStride, top: top, rowStride: rowStride,
                                 hasSecondRow: hasSecondRow, hasSecondColumn: hasSecondColumn, channels: channels, channel: c)
            c += 16
        }
        while c < channels {
            transformOutputLanes(Float.self, m, planeStride: planeStride, top: top, rowStride: rowStride,
                                 hasSecondRow: hasSecondRow, hasSecondColumn: hasSecondColumn, channels: channels, channel: c)
            c += 1
        }
    }

    /// Aᵀ·M·A for the lanes of `V` (16 channels or one) from `channel` on, written to the tile's
    /// output pixels that lie inside the output.
    @inline(__always)
    private static func transformOutputLanes<V: WinogradLane>(_: V.Type, _ m: UnsafePointer<Float>, planeStride: Int,
                                                              top: UnsafeMutablePointer<Float>, rowStride: Int,
                                                              hasSecondRow: Bool, hasSecondColumn: Bool, channels: Int,
                                                              channel c: Int) {
        func x(_ k: Int) -> V { V.load(m + k * planeStride + c) }
        let (top, bottom) = (top + c, top + rowStride + c)
        // Aᵀ·M column by column, then each of the two rows times A.
        let c0 = outputTransform(x(0), x(4), x(8), x(12))
        let c1 = outputTransform(x(1), x(5), x(9), x(13))
        let c2 = outputTransform(x(2), x(6), x(10), x(14))
        let c3 = outputTransform(x(3), x(7), x(11), x(15))
        let first = outputTransform(c0.0, c1.0, c2.0, c3.0)
        first.0.store(to: top)
        if hasSecondColumn { first.1.store(to: top + channels) }
        if hasSecondRow {
            let second = outputTransform(c0.1, c1.1, c2.1, c3.1)
            second.0.store(to: bottom)
            if hasSecondColumn { second.1.store(to: bottom + channels) }
        }
    }
}

/// What the Winograd transforms compute on: 16 channels in a vector, or one channel for the
/// remainder; one generic code path for both.
protocol WinogradLane {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    var halved: Self { get }
    static func load(_ pointer: UnsafePointer<Float>) -> Self
    func store(to pointer: UnsafeMutablePointer<Float>)
}

extension Float: WinogradLane {
    @inline(__always) var halved: Float { 0.5 * self }
    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Float { pointer.pointee }
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) { pointer.pointee = self }
}

extension SIMD16: WinogradLane where Scalar == Float {
    @inline(__always) var halved: SIMD16<Float> { 0.5 * self }
    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}
