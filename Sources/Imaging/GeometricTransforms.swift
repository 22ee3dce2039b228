import Foundation

extension Image {
    /// Mirrored left to right.
    public func flippedHorizontally() -> Image {
        remapped(width: width, height: height) { x, y in (width - 1 - x, y) }
    }

    /// Mirrored top to bottom.
    public func flippedVertically() -> Image {
        remapped(width: width, height: height) { x, y in (x, height - 1 - y) }
    }

    /// Turned counter-clockwise by `quarterTurns` × 90° (negative turns go clockwise), like
    /// `numpy.rot90(image, k)`.
    public func rotated(quarterTurns: Int) -> Image {
        switch ((quarterTurns % 4) + 4) % 4 {
        case 1:  // output (x, y) shows source (w − 1 − y, x)
            return remapped(width: height, height: width) { x, y in (width - 1 - y, x) }
        case 2:
            return remapped(width: width, height: height) { x, y in (width - 1 - x, height - 1 - y) }
        case 3:
            return remapped(width: height, height: width) { x, y in (y, height - 1 - x) }
        default:
            return self
        }
    }

    /// Each output pixel (x, y) copied from the source pixel `source(x, y)`.
    private func remapped(width outWidth: Int, height outHeight: Int,
                          _ source: (Int, Int) -> (x: Int, y: Int)) -> Image {
        let sourceWidth = width
        return withUnsafeBufferPointer { input in
            Image(width: outWidth, height: outHeight) { output in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy) = source(x, y)
                        let from = (sy * sourceWidth + sx) * 3, to = (y * outWidth + x) * 3
                        output[to] = input[from]
                        output[to + 1] = input[from + 1]
                        output[to + 2] = input[from + 2]
                    }
                }
            }
        }
    }

    /// Turned counter-clockwise by `degrees` about the centre, keeping the size; bilinear
    /// interpolation, with pixels from outside the image supplied by `fill`.
    public func rotated(degrees: Double, fill: RotationFill) -> Image {
        if degrees == 0 { return self }
        let angle = degrees * .pi / 180
        let cosine = cos(angle), sine = sin(angle)
        let w = width, h = height
        let centreX = Double(w) / 2, centreY = Double(h) / 2
        let background: [Float]
        if case .constant(let colour) = fill {
            background = [colour.red, colour.green, colour.blue]
        } else {
            background = [0, 0, 0]
        }
        return withUnsafeBufferPointer { input in
            Image(width: w, height: h) { output in
                for y in 0..<h {
                    for x in 0..<w {
                        // Offsets of this pixel's centre from the image centre (y grows downwards),
                        // turned back by the angle to find where in the source it comes from.
                        let dx = Double(x) + 0.5 - centreX, dy = Double(y) + 0.5 - centreY
                        let sx = cosine * dx - sine * dy + centreX - 0.5
                        let sy = sine * dx + cosine * dy + centreY - 0.5
                        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                        let fx = Float(sx - Double(x0)), fy = Float(sy - Double(y0))
                        let to = (y * w + x) * 3
                        for c in 0..<3 {
                            func sample(_ px: Int, _ py: Int) -> Float {
                                switch fill {
                                case .reflect:
                                    return input[(reflected(py, h) * w + reflected(px, w)) * 3 + c]
                                case .constant:
                                    guard px >= 0, px < w, py >= 0, py < h else { return background[c] }
                                    return input[(py * w + px) * 3 + c]
                                }
                            }
                            let top = sample(x0, y0) * (1 - fx) + sample(x0 + 1, y0) * fx
                            let bottom = sample(x0, y0 + 1) * (1 - fx) + sample(x0 + 1, y0 + 1) * fx
                            output[to + c] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
    }
}

/// `index` folded into 0..<count by mirroring about the outer pixel edges (half-sample
/// symmetric: …, 1, 0 | 0, 1, …, n − 1 | n − 1, n − 2, …).
func reflected(_ index: Int, _ count: Int) -> Int {
    let period = 2 * count
    let folded = ((index % period) + period) % period
    return folded < count ? folded : period - 1 - folded
}
