extension Image {
    /// Every value multiplied by `factor`, clipped to [0, 255] (torchvision's adjust_brightness).
    public func adjustingBrightness(by factor: Float) -> Image {
        blended(with: .constant(0), factor: factor)
    }

    /// Blended with the mean grey level of the whole image: `factor × pixel + (1 − factor) × mean`,
    /// clipped (torchvision's adjust_contrast); 0 gives a uniform grey, 1 the image unchanged.
    public func adjustingContrast(by factor: Float) -> Image {
        var total: Double = 0
        withUnsafeBufferPointer { values in
            var i = 0
            while i < values.count {
                total += Double(Self.luma(values[i], values[i + 1], values[i + 2]))
                i += 3
            }
        }
        let mean = width * height > 0 ? Float(total / Double(width * height)) : 0
        return blended(with: .constant(mean), factor: factor)
    }

    /// Blended with each pixel's own grey level (torchvision's adjust_saturation); 0 gives
    /// greyscale, values above 1 deepen the colours.
    public func adjustingSaturation(by factor: Float) -> Image {
        blended(with: .luma, factor: factor)
    }

    private enum BlendTarget {
        case constant(Float)
        case luma
    }

    private func blended(with target: BlendTarget, factor: Float) -> Image {
        if factor == 1 { return self }
        return withUnsafeBufferPointer { input in
            Image(width: width, height: height) { output in
                var i = 0
                while i < input.count {
                    let r = input[i], g = input[i + 1], b = input[i + 2]
                    let other: Float
                    switch target {
                    case .constant(let value): other = value
                    case .luma: other = Self.luma(r, g, b)
                    }
                    let rest = (1 - factor) * other
                    output[i] = clampedToByteRange(factor * r + rest)
                    output[i + 1] = clampedToByteRange(factor * g + rest)
                    output[i + 2] = clampedToByteRange(factor * b + rest)
                    i += 3
                }
            }
        }
    }

    /// ITU-R 601 luma, the grey level of `PIL.Image.convert("L")` and torchvision's rgb_to_grayscale.
    static func luma(_ r: Float, _ g: Float, _ b: Float) -> Float {
        0.299 * r + 0.587 * g + 0.114 * b
    }
}
