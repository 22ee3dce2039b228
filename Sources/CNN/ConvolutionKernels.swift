/// Upper bound on the im2col buffer of one GEMM, in floats (16 MiB): large enough
/// for the GEMM to run at full speed, small enough to stay out of the way of
/// batch-32 activations.
let im2colBudget = 4 << 20

/// Output rows per GEMM call, chosen so one chunk of output (about 1 MiB) is still in the
/// core's L2 cache from OpenBLAS's zeroing to the epilogue, the fused pass OpenBLAS lacks.
func outputChunkRows(rows: Int, patchSize: Int, channels: Int) -> Int {
    let byOutput = max(256, (1 << 18) / max(1, channels))
    let byColumns = im2colBudget / max(1, patchSize)
    return max(1, min(rows, byOutput, byColumns))
}

/// output (N, OH, OW, Cout) = conv(input (N, H, W, Cin), kernel (KH, KW, Cin, Cout)) + bias.
/// Writes every element of `output`, which may be uninitialized. `residual`, of the output's
/// shape, is added by the epilogue before its activation.
///
/// The output rows are split between the engine's threads; each thread packs, multiplies
/// and finishes its own chunks with a single-threaded GEMM, so a chunk's patches and
/// outputs stay in that core's cache from packing to epilogue.
public func conv2dForward(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes, epilogue: ConvolutionEpilogue? = nil,
                          residual: UnsafePointer<Float>? = nil) {
    let rows = sizes.outputPixels
    let k = sizes.patchSize
    let n = sizes.outputChannels
    if Engine.threadCount > 1 && rows < 128 * Engine.threadCount && n >= 32 * Engine.threadCount && k * n >= 1 << 19 {
        // Few output pixels and a kernel larger than a core's L2 (ResNet's late layers at batch 1):
        // reading the kernel is the cost, so the threads split the output channels and each
        // reads only its share of the kernel.
        conv2dForwardSplittingChannels(input: input, kernel: kernel, bias: bias, output: output, sizes: sizes,
                                       epilogue: epilogue, residual: residual)
        return
    }
    let threads = max(1, min(Engine.threadCount, rows / 8))
    let rowsPerThread = (rows + threads - 1) / threads
    let chunk = outputChunkRows(rows: rowsPerThread, patchSize: k, channels: n)
    let (source, weights, target) = (SendableConstPointer(input), SendableConstPointer(kernel), SendablePointer(output))
    let shift = bias.map(SendableConstPointer.init)
    let addend = residual.map(SendableConstPointer.init)
    // Thread t writes only output rows [t·rowsPerThread, (t+1)·rowsPerThread).
    let work = { (t: Int) in
        let part = (t * rowsPerThread)..<min(rows, (t + 1) * rowsPerThread)
        guard !part.isEmpty else { return }
        withScratch(count: sizes.isPointwise ? 0 : min(chunk, part.count) * k) { columns in
            var start = part.lowerBound
            while start < part.upperBound {
                let count = min(chunk, part.upperBound - start)
                let a: UnsafePointer<Float>
                if sizes.isPointwise {
                    a = source.base + start * k
                } else {
                    im2colRows(input: source.base, columns: columns, rows: start..<(start + count), sizes: sizes)
                    a = UnsafePointer(columns)
                }
                let c = target.base + start * n
                if let shift { fillRows(c, with: shift.base, rows: count, channels: n) }
                serialSgemm(transposeA: false, transposeB: false, m: count, n: n, k: k, a: a, lda: k,
                            b: weights.base, ldb: n, beta: shift == nil ? 0 : 1, c: c, ldc: n)
                epilogue?.apply(to: c, rows: count, residual: addend.map { $0.base + start * n })
                start += count
            }
        }
    }
    onThreads(threads, work)
}

/// `conv2dForward` for a small number of output pixels: one im2col of every pixel, then a
/// GEMM split between threads by blocks of output channels.
func conv2dForwardSplittingChannels(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                    output: UnsafeMutablePointer<Float>, sizes: ConvolutionSizes,
                                    epilogue: ConvolutionEpilogue?, residual: UnsafePointer<Float>?) {
    let (rows, k, n) = (sizes.outputPixels, sizes.patchSize, sizes.outputChannels)
    withScratch(count: sizes.isPointwise ? 0 : rows * k) { columns in
        let a: UnsafePointer<Float>
        if sizes.isPointwise {
            a = input
        } else {
            im2col(input: input, columns: columns, rowRange: 0..<rows, sizes: sizes)
            a = UnsafePointer(columns)
        }
        if let bias { fillRows(output, with: bias, rows: rows, channels: n) }
        sgemm(transposeA: false, transposeB: false, m: rows, n: n, k: k, a: a, lda: k, b: kernel, ldb: n,
              beta: bias == nil ? 0 : 1, c: output, ldc: n)
        epilogue?.apply(to: output, rows: rows, residual: residual)
    }
}

/// Accumulates kernelGradient += im2col(input)ᵀ · dY and biasGradient += Σ dY;
/// writes inputGradient = col2im(dY · kernelᵀ). A nil gradient is skipped.
public func conv2dBackward(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                           outputGradient: UnsafePointer<Float>,
                           kernelGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                           inputGradient: UnsafeMutablePointer<Float>?, sizes: ConvolutionSizes) {
    let rows = sizes.outputPixels
    let k = sizes.patchSize
    let n = sizes.outputChannels
    if let biasGradient {
        for row in 0..<rows {
            let line = outputGradient + row * n
            for channel in 0..<n { biasGradient[channel] += line[channel] }
        }
    }
    if sizes.isPointwise {
        if let kernelGradient {
            sgemm(transposeA: true, transposeB: false, m: k, n: n, k: rows, a: input, lda: k,
                  b: outputGradient, ldb: n, beta: 1, c: kernelGradient, ldc: n)
        }
        if let inputGradient {
            sgemm(transposeA: false, transposeB: true, m: rows, n: k, k: n, a: outputGradient, lda: n,
                  b: kernel, ldb: n, beta: 0, c: inputGradient, ldc: k)
        }
        return
    }
    guard kernelGradient != nil || inputGradient != nil else { return }
    // Chunks of whole images, so that col2im's scatter-adds from different threads
    // (one image each) never touch the same input pixel.
    let pixelsPerImage = sizes.outputHeight * sizes.outputWidth
    let imagesPerChunk = max(1, min(sizes.batch, im2colBudget / max(1, k * pixelsPerImage)))
    if let inputGradient {
        inputGradient.initialize(repeating: 0, count: sizes.batch * sizes.height * sizes.width * sizes.inputChannels)
    }
    withScratch(count: imagesPerChunk * pixelsPerImage * k) { columns in
        var image = 0
        while image < sizes.batch {
            let images = min(imagesPerChunk, sizes.batch - image)
            let rowRange = (image * pixelsPerImage)..<((image + images) * pixelsPerImage)
            let dy = outputGradient + rowRange.lowerBound * n
            if let kernelGradient {
                im2col(input: input, columns: columns, rowRange: rowRange, sizes: sizes)
                sgemm(transposeA: true, transposeB: false, m: k, n: n, k: rowRange.count, a: columns, lda: k,
                      b: dy, ldb: n, beta: 1, c: kernelGradient, ldc: n)
            }
            if let inputGradient {
                sgemm(transposeA: false, transposeB: true, m: rowRange.count, n: k, k: n, a: dy, lda: n,
                      b: kernel, ldb: n, beta: 0, c: columns, ldc: k)
                col2im(columns: columns, inputGradient: inputGradient, images: image..<(image + images), sizes: sizes)
            }
            image += images
        }
    }
}

/// Packs the patches of output pixels `rowRange` (flattened over N, OH, OW) into
/// `columns`, one row of KH·KW·Cin per pixel, zeros where the window leaves the image.
/// Rows are split between threads; each writes only its own rows.
public func im2col(input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>,
                   rowRange: Range<Int>, sizes: ConvolutionSizes) {
    let source = SendableConstPointer(input)
    let destination = SendablePointer(columns)
    let k = sizes.patchSize
    parallelChunks(rowRange.count, minimumChunk: 64) { part in
        im2colRows(input: source.base, columns: destination.base + part.lowerBound * k,
                   rows: (rowRange.lowerBound + part.lowerBound)..<(rowRange.lowerBound + part.upperBound), sizes: sizes)
    }
}

/// `im2col` of `rows` on the calling thread, the first of them written at `columns`.
func im2colRows(input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>,
                rows: Range<Int>, sizes: ConvolutionSizes) {
    let g = sizes.geometry
    let k = sizes.patchSize
    let cin = sizes.inputChannels
    let tapWidth = g.kernelWidth * cin
    var row = rows.lowerBound
    var column = row % sizes.outputWidth
    var outputRow = (row / sizes.outputWidth) % sizes.outputHeight
    var image = row / (sizes.outputWidth * sizes.outputHeight)
    for local in 0..<rows.count {
        let line = columns + local * k
        let imageBase = input + image * sizes.height * sizes.width * cin
        let x0 = column * g.strideX - sizes.padLeft
        let y0 = outputRow * g.strideY - sizes.padTop
        let contiguous = g.dilationX == 1 && x0 >= 0 && x0 + g.kernelWidth <= sizes.width
        for ky in 0..<g.kernelHeight {
            let y = y0 + ky * g.dilationY
            let tap = line + ky * tapWidth
            if y < 0 || y >= sizes.height {
                tap.initialize(repeating: 0, count: tapWidth)
                continue
            }
            let inputRow = imageBase + y * sizes.width * cin
            if contiguous {
                tap.update(from: inputRow + x0 * cin, count: tapWidth)
            } else {
                for kx in 0..<g.kernelWidth {
                    let x = x0 + kx * g.dilationX
                    if x < 0 || x >= sizes.width {
                        (tap + kx * cin).initialize(repeating: 0, count: cin)
                    } else {
                        (tap + kx * cin).update(from: inputRow + x * cin, count: cin)
                    }
                }
            }
        }
        row += 1
        column += 1
        if column == sizes.outputWidth {
            column = 0
            outputRow += 1
            if outputRow == sizes.outputHeight {
                outputRow = 0
                image += 1
            }
        }
    }
}

/// Scatter-adds the patch gradients `columns` of the given images back onto
/// `inputGradient`, the adjoint of `im2col`. Threads take whole images, so their writes are disjoint.
public func col2im(columns: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                   images: Range<Int>, sizes: ConvolutionSizes) {
    let g = sizes.geometry
    let k = sizes.patchSize
    let cin = sizes.inputChannels
    let pixelsPerImage = sizes.outputHeight * sizes.outputWidth
    let source = SendableConstPointer(columns)
    let destination = SendablePointer(inputGradient)
    parallelChunks(images.count) { part in
        for local in part {
            let image = images.lowerBound + local
            let imageBase = destination.base + image * sizes.height * sizes.width * cin
            let imageColumns = source.base + local * pixelsPerImage * k
            for outputRow in 0..<sizes.outputHeight {
                let y0 = outputRow * g.strideY - sizes.padTop
                for column in 0..<sizes.outputWidth {
                    let x0 = column * g.strideX - sizes.padLeft
                    let line = imageColumns + (outputRow * sizes.outputWidth + column) * k
                    for ky in 0..<g.kernelHeight {
                        let y = y0 + ky * g.dilationY
                        guard y >= 0 && y < sizes.height else { continue }
                        let inputRow = imageBase + y * sizes.width * cin
                        for kx in 0..<g.kernelWidth {
                            let x = x0 + kx * g.dilationX
                            guard x >= 0 && x < sizes.width else { continue }
                            let target = inputRow + x * cin
                            let tap = line + (ky * g.kernelWidth + kx) * cin
                            for channel in 0..<cin { target[channel] += tap[channel] }
                        }
                    }
                }
            }
        }
    }
}

/// Adds a per-channel bias to each of `rows` rows of `channels` values.
public func addBias(_ bias: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, rows: Int, channels: Int) {
    let target = SendablePointer(output)
    let source = SendableConstPointer(bias)
    // Each thread owns a contiguous range of rows.
    parallelChunks(rows, minimumChunk: 256) { part in
        for row in part {
            let line = target.base + row * channels
            for channel in 0..<channels { line[channel] += source.base[channel] }
        }
    }
}

/// Writes `values` into each of `rows` rows (the bias, before a GEMM with beta 1).
public func fillRows(_ output: UnsafeMutablePointer<Float>, with values: UnsafePointer<Float>, rows: Int, channels: Int) {
    for row in 0..<rows {
        (output + row * channels).update(from: values, count: channels)
    }
}

/// Temporary uninitialized storage for a kernel call, freed on return.
@inlinable
public func withScratch<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
    defer { buffer.deallocate() }
    return try body(buffer)
}
