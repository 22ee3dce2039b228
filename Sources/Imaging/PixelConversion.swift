import CImageShims

/// Turns the decoder's samples (gray, gray+alpha, RGB, RGBA or CMYK; 8 or 16 bits) into RGB floats.
func makeImage(from raw: tl_image, alpha: ImageDecoder.AlphaHandling) -> Image {
    let count = Int(raw.width) * Int(raw.height) * Int(raw.channels)
    if raw.bits_per_sample == 16 {
        let samples = UnsafeBufferPointer(start: raw.pixels.assumingMemoryBound(to: UInt16.self), count: count)
        // Through Double so that the value equals numpy's float64 v / 65535 * 255 rounded once.
        return makeImage(samples, raw: raw, alpha: alpha, maxValue: 65535) { Float(Double($0) / 65535 * 255) }
    } else {
        let samples = UnsafeBufferPointer(start: raw.pixels.assumingMemoryBound(to: UInt8.self), count: count)
        return makeImage(samples, raw: raw, alpha: alpha, maxValue: 255) { Float($0) }
    }
}

private func makeImage<Sample: FixedWidthInteger>(
    _ samples: UnsafeBufferPointer<Sample>, raw: tl_image, alpha: ImageDecoder.AlphaHandling,
    maxValue: Float, value: (Sample) -> Float
) -> Image {
    let pixelCount = Int(raw.width) * Int(raw.height)
    let background: RGBColor?
    switch alpha {
    case .drop: background = nil
    case .composite(let colour): background = colour
    }
    return Image(width: Int(raw.width), height: Int(raw.height)) { out in
        // Pixel i's colour, composited over the background when there is one and an alpha.
        @inline(__always) func store(_ i: Int, _ r: Float, _ g: Float, _ b: Float, alpha: Sample? = nil) {
            if let background, let alpha {
                let a = Float(alpha) / maxValue
                out[3 * i] = blend(r, background.red, a)
                out[3 * i + 1] = blend(g, background.green, a)
                out[3 * i + 2] = blend(b, background.blue, a)
            } else {
                out[3 * i] = r
                out[3 * i + 1] = g
                out[3 * i + 2] = b
            }
        }
        switch raw.layout {
        case TL_LAYOUT_GRAY:
            for i in 0..<pixelCount {
                let v = value(samples[i])
                store(i, v, v, v)
            }
        case TL_LAYOUT_GRAY_ALPHA:
            for i in 0..<pixelCount {
                let v = value(samples[2 * i])
                store(i, v, v, v, alpha: samples[2 * i + 1])
            }
        case TL_LAYOUT_RGB:
            for i in 0..<3 * pixelCount {
                out[i] = value(samples[i])
            }
        case TL_LAYOUT_RGBA:
            for i in 0..<pixelCount {
                store(i, value(samples[4 * i]), value(samples[4 * i + 1]), value(samples[4 * i + 2]), alpha: samples[4 * i + 3])
            }
        case TL_LAYOUT_CMYK:
            for i in 0..<pixelCount {
                let k = Int(samples[4 * i + 3])
                out[3 * i] = cmykToRGB(Int(samples[4 * i]), k)
                out[3 * i + 1] = cmykToRGB(Int(samples[4 * i + 1]), k)
                out[3 * i + 2] = cmykToRGB(Int(samples[4 * i + 2]), k)
            }
        default:
            preconditionFailure("decoder returned unknown pixel layout \(raw.layout.rawValue)")
        }
    }
}

@inline(__always)
private func blend(_ colour: Float, _ background: Float, _ alpha: Float) -> Float {
    colour * alpha + background * (1 - alpha)
}

/// One CMYK component to RGB exactly as Pillow does it. libjpeg hands back CMYK JPEGs in the
/// Adobe (inverted) polarity; Pillow always assumes that polarity (its "CMYK;I" raw mode, with
/// or without an Adobe marker), un-inverts to C', K', then computes
/// (255 − K') − round(C' · (255 − K') / 255) with its MULDIV255 rounding. In the stored values
/// that is k − MULDIV255(255 − c, k).
@inline(__always)
private func cmykToRGB(_ c: Int, _ k: Int) -> Float {
    let t = (255 - c) * k + 128
    return Float(k - (((t >> 8) + t) >> 8))
}
