@testable import Imaging
import XCTest

/// Without clipping, `resized` runs whichever of its two passes is cheaper first. Both orders
/// must give the separable filter's value up to float rounding: checked against a naive twin
/// that sums every (row tap × column tap) product in Double, for sizes that take each order.
final class ResizePassOrderTests: XCTestCase {
    /// Non-repeating values in [0, 255].
    private func picture(width: Int, height: Int) -> Image {
        Image(width: width, height: height, pixels: (0..<(width * height * 3)).map { Float(($0 * 7919) % 256) })
    }

    /// out[y][x][c] = Σ_i Σ_j wy[y][i] · wx[x][j] · source[i][j][c], in Double.
    private func naive(_ image: Image, width: Int, height: Int, box: PixelRect,
                       filter: ResizeFilter, antialias: Bool) -> [Float] {
        let horizontal = ResamplingWeights(inputCount: image.width, start: box.x, end: box.x + box.width,
                                           outputCount: width, filter: filter, antialias: antialias)
        let vertical = ResamplingWeights(inputCount: image.height, start: box.y, end: box.y + box.height,
                                         outputCount: height, filter: filter, antialias: antialias)
        var result = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    var sum = 0.0
                    for i in 0..<vertical.tapCount[y] {
                        let wy = Double(vertical.weights[y * vertical.stride + i])
                        for j in 0..<horizontal.tapCount[x] {
                            let wx = Double(horizontal.weights[x * horizontal.stride + j])
                            sum += wy * wx * Double(image[vertical.firstSource[y] + i, horizontal.firstSource[x] + j, c])
                        }
                    }
                    result[(y * width + x) * 3 + c] = Float(sum)
                }
            }
        }
        return result
    }

    func testBothPassOrdersMatchTheNaiveSeparableFilter() {
        // (source, target): shrinking both ways (vertical first is cheaper), shrinking a tall
        // picture mostly in height, enlarging (horizontal first), and a fractional box.
        let cases: [(Int, Int, Int, Int, PixelRect?)] = [
            (64, 64, 28, 28, nil), (30, 90, 24, 20, nil), (12, 9, 31, 23, nil), (41, 37, 13, 11, nil),
            (40, 30, 17, 9, PixelRect(x: 3.5, y: 2.25, width: 30.25, height: 21.5)),
        ]
        for (sourceWidth, sourceHeight, width, height, box) in cases {
            let image = picture(width: sourceWidth, height: sourceHeight)
            let region = box ?? PixelRect(x: 0, y: 0, width: Double(sourceWidth), height: Double(sourceHeight))
            for (filter, antialias) in [(ResizeFilter.bilinear, true), (.bilinear, false), (.bicubic, false)] {
                let name = "\(sourceWidth)x\(sourceHeight) to \(width)x\(height) \(filter) antialias \(antialias)"
                let fast = image.resized(width: width, height: height, from: region, filter: filter, antialias: antialias)
                let expected = naive(image, width: width, height: height, box: region, filter: filter, antialias: antialias)
                assertValuesMatch(fast.pixels, expected, width: width, channels: 3, tolerance: 1e-3, name)
            }
        }
    }

    /// The order is chosen from the whole resized size, so a centre-crop window is computed
    /// exactly (bit for bit) as the same pixels of the whole resized picture.
    func testAWindowIsComputedExactlyAsTheWhole() {
        for (sourceWidth, sourceHeight) in [(512, 512), (640, 480), (300, 451)] {
            let image = picture(width: sourceWidth, height: sourceHeight)
            let geometry = CenterCropGeometry(sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                                              targetWidth: 224, targetHeight: 224)
            let whole = image.resized(width: geometry.scaledWidth, height: geometry.scaledHeight)
                .cropped(x: geometry.cropX, y: geometry.cropY, width: 224, height: 224)
            XCTAssertEqual(image.fitted(width: 224, height: 224, mode: .centerCrop), whole,
                           "\(sourceWidth)x\(sourceHeight)")
        }
    }
}
