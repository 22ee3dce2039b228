import CNN
import Imaging

/// Grad-CAM style overlays: a coarse class-activation map (e.g. 7 × 7 from the last
/// convolution) spread over the picture it was computed for, so a reader sees which regions
/// drove the prediction.
public enum HeatMapOverlay {
    /// Upsamples `heatMap` (`mapHeight × mapWidth`, row-major) bilinearly to the image's size,
    /// scales it to [0, 1] (minimum → 0, maximum → 1; a constant map becomes all 0), colours
    /// it with the jet map and blends it over `image`: `(1 − opacity) · image + opacity · colour`.
    ///
    /// Bilinear sampling uses pixel centres (OpenCV's INTER_LINEAR, TensorFlow's
    /// half_pixel_centers), so the map is not shifted by half a cell. Non-finite map values
    /// count as the minimum.
    public static func overlay(_ heatMap: [Float], width mapWidth: Int, height mapHeight: Int, on image: Image,
                               opacity: Float = 0.4) -> Image {
        precondition(mapWidth > 0 && mapHeight > 0 && heatMap.count == mapWidth * mapHeight,
                     "a \(mapWidth)×\(mapHeight) heat map needs \(mapWidth * mapHeight) values, got \(heatMap.count)")
        let normalized = normalize(heatMap)
        let xs = samplePositions(output: image.width, input: mapWidth)
        let ys = samplePositions(output: image.height, input: mapHeight)
        let keep = 1 - opacity
        return Image(width: image.width, height: image.height) { out in
            image.withUnsafeBufferPointer { source in
                for (y, (y0, y1, fy)) in ys.enumerated() {
                    for (x, (x0, x1, fx)) in xs.enumerated() {
                        let top = normalized[y0 * mapWidth + x0] * (1 - fx) + normalized[y0 * mapWidth + x1] * fx
                        let bottom = normalized[y1 * mapWidth + x0] * (1 - fx) + normalized[y1 * mapWidth + x1] * fx
                        let colour = ColorMap.jet.color(at: Double(top * (1 - fy) + bottom * fy))
                        let offset = (y * image.width + x) * 3
                        out[offset] = keep * source[offset] + opacity * Float(colour.red)
                        out[offset + 1] = keep * source[offset + 1] + opacity * Float(colour.green)
                        out[offset + 2] = keep * source[offset + 2] + opacity * Float(colour.blue)
                    }
                }
            }
        }
    }

    /// As above, from a tensor of shape (H', W'), (H', W', 1) or (1, H', W', 1).
    public static func overlay(_ heatMap: Tensor, on image: Image, opacity: Float = 0.4) -> Image {
        let shape = heatMap.shape
        let size: (height: Int, width: Int)
        switch shape.count {
        case 2: size = (shape[0], shape[1])
        case 3 where shape[2] == 1: size = (shape[0], shape[1])
        case 4 where shape[0] == 1 && shape[3] == 1: size = (shape[1], shape[2])
        default: preconditionFailure("a heat map must be (H, W), (H, W, 1) or (1, H, W, 1), got \(shape)")
        }
        return overlay(heatMap.scalars, width: size.width, height: size.height, on: image, opacity: opacity)
    }

    static func normalize(_ values: [Float]) -> [Float] {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max(), high > low else {
            return [Float](repeating: 0, count: values.count)
        }
        return values.map { $0.isFinite ? ($0 - low) / (high - low) : 0 }
    }

    /// For each output coordinate: the two input cells around its centre and the weight of the second.
    static func samplePositions(output: Int, input: Int) -> [(Int, Int, Float)] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { index in
            let position = min(max((Double(index) + 0.5) * scale - 0.5, 0), Double(input - 1))
            let lower = Int(position)
            return (lower, min(lower + 1, input - 1), Float(position - Double(lower)))
        }
    }
}
