extension Image {
    /// The image resampled to `width × height`.
    ///
    /// With `antialias` (the default) this is Pillow's `Image.resize((width, height), filter)`:
    /// when shrinking, the kernel widens with the shrink factor so every source pixel counts.
    /// With `antialias: false` the kernel keeps its natural width, which for `.bilinear` is
    /// `tf.image.resize(..., antialias=False)` (half-pixel centres), what Keras's
    /// `image_dataset_from_directory` and `smart_resize` apply; it aliases when shrinking a lot.
    /// Bicubic results are clipped to [0, 255] after each pass with antialiasing (as Pillow does
    /// on 8-bit images) and never without it (as TensorFlow does not), so each mode agrees with
    /// its reference (tolerances in Tests/Fixtures/scripts/make_resize_fixtures.py).
    public func resized(width: Int, height: Int, filter: ResizeFilter = .bilinear, antialias: Bool = true) -> Image {
        resized(width: width, height: height, from: PixelRect(x: 0, y: 0, width: self.width, height: self.height),
                filter: filter, antialias: antialias)
    }

    /// The region `box` of the image resampled to `width × height`, like Pillow's
    /// `Image.resize(size, filter, box=box)`: a crop and a resize in one pass, without the
    /// rounding a separate crop would need for fractional boxes.
    public func resized(width: Int, height: Int, from box: PixelRect,
                        filter: ResizeFilter = .bilinear, antialias: Bool = true) -> Image {
        resampled(to: (width, height), from: box, columns: 0..<width, rows: 0..<height,
                  filter: filter, antialias: antialias)
    }

    /// The pixels at `columns × rows` of the image that `resized(width:height:from:)` would
    /// produce for `size`, computing only those: a resize followed by a crop, at the cost of the crop.
    func resampled(to size: (width: Int, height: Int), from box: PixelRect, columns: Range<Int>, rows: Range<Int>,
                   filter: ResizeFilter, antialias: Bool) -> Image {
        precondition(width > 0 && height > 0, "cannot resize an empty image")
        precondition(size.width > 0 && size.height > 0, "cannot resize to \(size.width)×\(size.height)")
        precondition(box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0
                     && box.x + box.width <= Double(width) && box.y + box.height <= Double(height),
                     "box \(box) outside a \(width)×\(height) image")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= size.width
                     && rows.lowerBound >= 0 && rows.upperBound <= size.height,
                     "window \(columns)×\(rows) outside \(size.width)×\(size.height)")
        // Like Pillow, an axis whose size and extent do not change is copied, not filtered.
        let needsHorizontal = size.width != width || box.x != 0 || box.width != Double(width)
        let needsVertical = size.height != height || box.y != 0 || box.height != Double(height)
        let horizontal = needsHorizontal
            ? ResamplingWeights(inputCount: width, start: box.x, end: box.x + box.width,
                                outputCount: size.width, filter: filter, antialias: antialias)
            : nil
        let vertical = needsVertical
            ? ResamplingWeights(inputCount: height, start: box.y, end: box.y + box.height,
                                outputCount: size.height, filter: filter, antialias: antialias)
            : nil
        // Pillow clips bicubic overshoot after each pass (it stores 8-bit images); TensorFlow,
        // whose geometry `antialias: false` reproduces, never clips.
        let clamps = filter.overshoots && antialias

        // The passes are linear, so their order only matters where bicubic results are clipped.
        // Pillow 13.0 filters vertically first when that pass sheds more than twice as many rows
        // as the horizontal one sheds columns, horizontally first otherwise (older releases
        // always go horizontally first). The rule was read off its 8-bit output, which it
        // reproduces on every size tried; following it keeps the clipped pixels within rounding.
        // Without clipping the order changes nothing but float rounding (a few units in the last
        // place, far below the 1e-3 the Pillow fixtures allow), so the cheaper one runs: an
        // output of the horizontal pass costs about 2.5 times one of the vertical pass, whose
        // inner loop runs along contiguous rows. (The estimate uses the whole resized image,
        // not the window asked for, so a window is always computed exactly as the whole.)
        let verticalFirst: Bool
        if clamps {
            let shedRows = height - size.height, shedColumns = width - size.width
            verticalFirst = shedRows > 0 && shedRows > 2 * shedColumns
        } else {
            let horizontalFirstCost = 5 * height * size.width + 2 * size.height * size.width
            let verticalFirstCost = 2 * size.height * width + 5 * size.height * size.width
            verticalFirst = verticalFirstCost < horizontalFirstCost
        }
        if let horizontal, let vertical, verticalFirst {
            let sourceColumns = horizontal.sourceRange(of: columns)
            return resampledVertically(vertical, rows: rows, firstSourceRow: 0, columns: sourceColumns,
                                       clamps: clamps)
                .resampledHorizontally(horizontal, columns: columns, rows: 0..<rows.count,
                                       firstSourceColumn: sourceColumns.lowerBound, clamps: clamps)
        }
        // Only the source rows (columns) the wanted outputs read go through the first pass.
        let sourceRows = vertical?.sourceRange(of: rows) ?? rows
        let intermediate = horizontal.map {
            resampledHorizontally($0, columns: columns, rows: sourceRows, firstSourceColumn: 0, clamps: clamps)
        } ?? cropped(x: columns.lowerBound, y: sourceRows.lowerBound, width: columns.count, height: sourceRows.count)
        guard let vertical else { return intermediate }
        return intermediate.resampledVertically(vertical, rows: rows, firstSourceRow: sourceRows.lowerBound,
                                                columns: 0..<intermediate.width, clamps: clamps)
    }

    /// Filters the receiver's `rows` along x. Column `c` of the result is output column
    /// `columns.lowerBound + c`; the receiver's column 0 is source column `firstSourceColumn`.
    private func resampledHorizontally(_ weights: ResamplingWeights, columns: Range<Int>, rows: Range<Int>,
                                       firstSourceColumn: Int, clamps: Bool) -> Image {
        let inputWidth = width
        let outputWidth = columns.count
        return withUnsafeBufferPointer { source in
            Image(width: outputWidth, height: rows.count) { output in
                weights.withUnsafeBuffers { first, taps, coefficients, stride in
                    for (r, y) in rows.enumerated() {
                        let inRow = source.baseAddress! + (y * inputWidth - firstSourceColumn) * 3
                        let outRow = output.baseAddress! + r * outputWidth * 3
                        for (c, x) in columns.enumerated() {
                            let w = coefficients + x * stride
                            var p = inRow + first[x] * 3
                            var red: Float = 0, green: Float = 0, blue: Float = 0
                            for k in 0..<taps[x] {
                                let wk = w[k]
                                red += wk * p[0]
                                green += wk * p[1]
                                blue += wk * p[2]
                                p += 3
                            }
                            if clamps {
                                red = clampedToByteRange(red)
                                green = clampedToByteRange(green)
                                blue = clampedToByteRange(blue)
                            }
                            outRow[c * 3] = red
                            outRow[c * 3 + 1] = green
                            outRow[c * 3 + 2] = blue
                        }
                    }
                }
            }
        }
    }

    /// Filters along y. Row `r` of the result is output row `rows.lowerBound + r`, over the
    /// receiver's `columns`; the receiver's row 0 is source row `firstSourceRow`.
    private func resampledVertically(_ weights: ResamplingWeights, rows: Range<Int>, firstSourceRow: Int,
                                     columns: Range<Int>, clamps: Bool) -> Image {
        let inputRowLength = width * 3
        let rowLength = columns.count * 3
        return withUnsafeBufferPointer { source in
            Image(width: columns.count, height: rows.count) { output in
                weights.withUnsafeBuffers { first, taps, coefficients, stride in
                    let origin = source.baseAddress! + columns.lowerBound * 3
                    for (r, y) in rows.enumerated() {
                        let outRow = output.baseAddress! + r * rowLength
                        outRow.initialize(repeating: 0, count: rowLength)
                        let w = coefficients + y * stride
                        // Row by row over contiguous memory, so the inner loop vectorizes.
                        for k in 0..<taps[y] {
                            let wk = w[k]
                            let inRow = origin + (first[y] - firstSourceRow + k) * inputRowLength
                            for i in 0..<rowLength { outRow[i] += wk * inRow[i] }
                        }
                        if clamps {
                            for i in 0..<rowLength { outRow[i] = clampedToByteRange(outRow[i]) }
                        }
                    }
                }
            }
        }
    }

    /// The `width × height` block whose top-left pixel is (x, y); it must lie inside the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(x >= 0 && y >= 0 && width >= 0 && height >= 0
                     && x + width <= self.width && y + height <= self.height,
                     "crop (\(x), \(y), \(width)×\(height)) outside a \(self.width)×\(self.height) image")
        if x == 0 && y == 0 && width == self.width && height == self.height { return self }
        let sourceWidth = self.width
        return withUnsafeBufferPointer { source in
            Image(width: width, height: height) { output in
                for row in 0..<height {
                    let from = source.baseAddress! + ((y + row) * sourceWidth + x) * 3
                    (output.baseAddress! + row * width * 3).initialize(from: from, count: width * 3)
                }
            }
        }
    }

    /// The image placed at (x, y) on a `width × height` canvas of `fill`.
    public func padded(width: Int, height: Int, x: Int, y: Int, fill: RGBColor) -> Image {
        precondition(x >= 0 && y >= 0 && x + self.width <= width && y + self.height <= height,
                     "a \(self.width)×\(self.height) image does not fit at (\(x), \(y)) in \(width)×\(height)")
        var canvas = Image(width: width, height: height) { output in
            var i = 0
            while i < output.count {
                output[i] = fill.red
                output[i + 1] = fill.green
                output[i + 2] = fill.blue
                i += 3
            }
        }
        let sourceWidth = self.width
        withUnsafeBufferPointer { source in
            canvas.withUnsafeMutableBufferPointer { output in
                for row in 0..<self.height {
                    let from = source.baseAddress! + row * sourceWidth * 3
                    let to = output.baseAddress! + ((y + row) * width + x) * 3
                    to.update(from: from, count: sourceWidth * 3)
                }
            }
        }
        return canvas
    }
}

@inline(__always)
func clampedToByteRange(_ value: Float) -> Float {
    min(max(value, 0), 255)
}

extension ResamplingWeights {
    /// The tables as raw pointers, for the resampling loops.
    func withUnsafeBuffers<R>(
        _ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>, Int) throws -> R
    ) rethrows -> R {
        try firstSource.withUnsafeBufferPointer { first in
            try tapCount.withUnsafeBufferPointer { taps in
                try weights.withUnsafeBufferPointer { w in
                    try body(first.baseAddress!, taps.baseAddress!, w.baseAddress!, stride)
                }
            }
        }
    }
}
