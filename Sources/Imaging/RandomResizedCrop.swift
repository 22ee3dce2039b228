import CNN
import Foundation

/// torchvision's RandomResizedCrop.get_params, re-derived: up to ten tries at a rectangle of
/// random area (a fraction of the image drawn from `scale`) and random aspect ratio (drawn
/// log-uniformly from `ratio`) that fits, at a random position; failing that, the largest
/// centred rectangle whose aspect ratio lies within `ratio`.
func randomResizedCropRect(width: Int, height: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>,
                           using generator: inout SeededGenerator) -> (x: Int, y: Int, width: Int, height: Int) {
    let area = Double(width * height)
    let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
    for _ in 0..<10 {
        let targetArea = area * generator.uniformDouble(in: scale)
        let aspect = exp(generator.uniformDouble(in: logRatio))
        let w = Int((targetArea * aspect).squareRoot().rounded())
        let h = Int((targetArea / aspect).squareRoot().rounded())
        if w > 0 && w <= width && h > 0 && h <= height {
            let y = generator.uniformIndex(below: height - h + 1)
            let x = generator.uniformIndex(below: width - w + 1)
            return (x, y, w, h)
        }
    }
    let imageRatio = Double(width) / Double(height)
    var w = width, h = height
    if imageRatio < ratio.lowerBound {
        h = max(1, min(height, Int((Double(w) / ratio.lowerBound).rounded())))
    } else if imageRatio > ratio.upperBound {
        w = max(1, min(width, Int((Double(h) * ratio.upperBound).rounded())))
    }
    return ((width - w) / 2, (height - h) / 2, w, h)
}

extension SeededGenerator {
    /// Uniform in `range`, with 53 random bits. Written out rather than taken from the standard
    /// library, whose algorithms may change between releases and so change augmentations.
    mutating func uniformDouble(in range: ClosedRange<Double>) -> Double {
        let unit = Double(next() >> 11) * 0x1p-53
        return range.lowerBound + (range.upperBound - range.lowerBound) * unit
    }

    /// Uniform in 0..<bound (bound > 0); the modulo bias is below 2⁻⁴⁰ for image-sized bounds.
    mutating func uniformIndex(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}
