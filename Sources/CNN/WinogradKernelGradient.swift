/// The kernel gradient of a 3×3 stride-1 convolution through the forward pass's F(2×2, 3×3)
/// tiling. Each output tile is Y = Aᵀ·(U ⊙ V)·A with U = G·g·Gᵀ, so its share of the kernel
/// gradient is Gᵀ·((A·dY·Aᵀ) ⊙ V)·G. The element-wise products, summed over tiles, are 16
/// GEMMs (Cin × tiles) · (tiles × Cout), one per transformed position: 2.25× fewer
/// multiplications than im2col's (9·Cin) × pixels × Cout. Exact in exact arithmetic, since
/// the forward pass is the convolution; tiles past the output's edge have zero gradient.
extension Winograd {
    /// kernelGradient (3, 3, Cin, Cout) += the kernel gradient for `input` (N, H, W, Cin) and
    /// `outputGradient` (N, OH, OW, Cout). Where `applies(to:)` holds.
    static func accumulateKernelGradient(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                         into kernelGradient: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes,
                                         chunkFloats: Int = 4 << 20) {
        let (cin, cout) = (sizes.inputChannels, sizes.outputChannels)
        let tilesY = (sizes.outputHeight + 1) / 2
        let tilesX = (sizes.outputWidth + 1) / 2
        let tileRows = sizes.batch * tilesY
        let threads = max(1, min(Engine.threadCount, tileRows))
        // Tile rows per chunk: the chunk's transformed input and output gradient (16 · tiles ·
        // (Cin + Cout) floats) about 16 MiB.
        let chunkRows = max(1, min(tileRows, chunkFloats / (16 * tilesX * (cin + cout))))
        let maxTiles = chunkRows * tilesX
        withScratch(count: 16 * cin * cout + 16 * maxTiles * (cin + cout)) { scratch in
            let sum = scratch  // 16 planes (Cin × Cout): Σ over tiles of (A·dY·Aᵀ) ⊙ V
            sum.initialize(repeating: 0, count: 16 * cin * cout)
            let v = scratch + 16 * cin * cout
            let w = v + 16 * maxTiles * cin
            let (x, dy) = (SendableConstPointer(input), SendableConstPointer(outputGradient))
            let (vs, ws, sums) = (SendablePointer(v), SendablePointer(w), SendablePointer(sum))
            var first = 0
            while first < tileRows {
                let last = min(tileRows, first + chunkRows)
                let tiles = (last - first) * tilesX
                // Thread t transforms its own tile rows, into its own tiles of each plane.
                let rowsPerThread = (last - first + threads - 1) / threads
                onThreads(threads) { t in
                    let rows = (first + t * rowsPerThread)..<min(last, first + (t + 1) * rowsPerThread)
                    guard !rows.isEmpty else { return }
                    let offset = (rows.lowerBound - first) * tilesX
                    transformInput(x.base, into: vs.base + offset * cin, tileRows: rows, tilesX: tilesX, tilesY: tilesY,
                                   stride: tiles, sizes: sizes)
                    transformOutputGradient(dy.base, into: ws.base + offset * cout, tileRows: rows, tilesX: tilesX,
                                            tilesY: tilesY, stride: tiles, sizes: sizes)
                }
                // Thread t accumulates its own positions' planes.
                onThreads(threads) { t in
                    for position in stride(from: t, to: 16, by: threads) {
                        serialSgemm(transposeA: true, transposeB: false, m: cin, n: cout, k: tiles,
                                    a: vs.base + position * tiles * cin, lda: cin, b: ws.base + position * tiles * cout, ldb: cout,
                                    beta: 1, c: sums.base + position * cin * cout, ldc: cout)
                    }
                }
                first = last
            }
            // Gᵀ·S·G for each (input, output) channel pair, added to the kernel gradient.
            let gradient = SendablePointer(kernelGradient)
            forEachChannelPair(inputChannels: cin, outputChannels: cout) { ci, co, wide in
                if wide {
                    accumulateKernelLanes(SIMD16<Float>.self, sums.base, into: gradient.base, cin: cin, cout: cout, ci: ci, co: co)
                } else {
                    accumulateKernelLanes(Float.self, sums.base, into: gradient.base, cin: cin, cout: cout, ci: ci, co: co)
                }
            }
        }
    }

    /// A·dY·Aᵀ for the 2×2 output-gradient tiles of the given global tile rows, into 16
    /// matrices (tiles × Cout) `stride` tiles apart; zeros past the output's edge.
    private static func transformOutputGradient(_ outputGradient: UnsafePointer<Float>, into w: UnsafeMutablePointer<Float>,
                                                tileRows: Range<Int>, tilesX: Int, tilesY: Int, stride: Int,
                                                sizes: ConvolutionSizes) {
        let cout = sizes.outputChannels
        let (oh, ow) = (sizes.outputHeight, sizes.outputWidth)
        withScratch(count: cout) { zero in
            zero.initialize(repeating: 0, count: cout)
            var d: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)
            var tile = 0
            for globalRow in tileRows {
                let image = globalRow / tilesY
                let y0 = (globalRow % tilesY) * 2
                let imageBase = outputGradient + image * oh * ow * cout
                for tx in 0..<tilesX {
                    let x0 = tx * 2
                    func pixel(_ i: Int, _ j: Int) -> UnsafePointer<Float> {
                        y0 + i < oh && x0 + j < ow ? imageBase + ((y0 + i) * ow + x0 + j) * cout : UnsafePointer(zero)
                    }
                    d = (pixel(0, 0), pixel(0, 1), pixel(1, 0), pixel(1, 1))
                    let out = w + tile * cout
                    var c = 0
                    while c + 16 <= cout {
                        transformOutputGradientLanes(SIMD16<Float>.self, d, into: out, planeStride: stride * cout, channel: c)
                        c += 16
                    }
                    while c < cout {
                        transformOutputGradientLanes(Float.self, d, into: out, planeStride: stride * cout, channel: c)
                        c += 1
                    }
                    tile += 1
                }
            }
        }
    }

    /// A·(p, q) with A = [[1, 0], [1, 1], [1, −1], [0, −1]] (the transpose of the output transform's Aᵀ).
    @inline(__always)
    private static func gradientTransform<V: WinogradLane>(_ p: V, _ q: V) -> (V, V, V, V) {
        (p, p + q, p - q, V.zero - q)
    }

    /// A·dY·Aᵀ for the lanes of `V` from `channel` on; `d` holds the tile's pixels (0, 0),
    /// (0, 1), (1, 0), (1, 1).
    @inline(__always)
    private static func transformOutputGradientLanes<V: WinogradLane>(
        _: V.Type, _ d: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        into out: UnsafeMutablePointer<Float>, planeStride: Int, channel c: Int
    ) {
        // A·dY column by column (4 rows of 2), then each row times Aᵀ.
        let c0 = gradientTransform(V.load(d.0 + c), V.load(d.2 + c))
        let c1 = gradientTransform(V.load(d.1 + c), V.load(d.3 + c))
        func store(_ row: Int, _ values: (V, V, V, V)) { storeRow(row, values, at: out + c, planeStride: planeStride) }
        store(0, gradientTransform(c0.0, c1.0))
        store(1, gradientTransform(c0.1, c1.1))
        store(2, gradientTransform(c0.2, c1.2))
        store(3, gradientTransform(c0.3, c1.3))
    }

    /// Gᵀ·(a, b, c, d) with Gᵀ = [[1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1]].
    @inline(__always)
    private static func kernelGradientTransform<V: WinogradLane>(_ a: V, _ b: V, _ c: V, _ d: V) -> (V, V, V) {
        (a + (b + c).halved, (b - c).halved, (b + c).halved + d)
    }

    /// kernelGradient[·, ·, ci, co…] += Gᵀ·S·G for the lanes of `V` from `co` on.
    @inline(__always)
    private static func accumulateKernelLanes<V: WinogradLane>(_: V.Type, _ sums: UnsafePointer<Float>,
                                                               into gradient: UnsafeMutablePointer<Float>,
                                                               cin: Int, cout: Int, ci: Int, co: Int) {
        let plane = cin * cout
        let base = sums + ci * cout + co
        func s(_ i: Int, _ j: Int) -> V { V.load(base + (4 * i + j) * plane) }
        // Gᵀ·S column by column (3 rows of 4), then each row times G.
        let c0 = kernelGradientTransform(s(0, 0), s(1, 0), s(2, 0), s(3, 0))
        let c1 = kernelGradientTransform(s(0, 1), s(1, 1), s(2, 1), s(3, 1))
        let c2 = kernelGradientTransform(s(0, 2), s(1, 2), s(2, 2), s(3, 2))
        let c3 = kernelGradientTransform(s(0, 3), s(1, 3), s(2, 3), s(3, 3))
        func add(_ ky: Int, _ kx: Int, _ value: V) {
            let target = gradient + ((ky * 3 + kx) * cin + ci) * cout + co
            (V.load(UnsafePointer(target)) + value).store(to: target)
        }
        func add(_ ky: Int, _ row: (V, V, V)) {
            add(ky, 0, row.0)
            add(ky, 1, row.1)
            add(ky, 2, row.2)
        }
        add(0, kernelGradientTransform(c0.0, c1.0, c2.0, c3.0))
        add(1, kernelGradientTransform(c0.1, c1.1, c2.1, c3.1))
        add(2, kernelGradientTransform(c0.2, c1.2, c2.2, c3.2))
    }
}
