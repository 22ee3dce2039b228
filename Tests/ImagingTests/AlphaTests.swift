import Imaging
import XCTest

/// Compositing is checked against the fixtures' colour and alpha expectations:
/// colour × a + background × (1 − a) with a = alpha / 255 on the [0, 255] scale.
final class AlphaTests: XCTestCase {
    private let background = RGBColor(red: 10, green: 200, blue: 37)
    private let withAlpha = ["png_rgba8.png", "png_gray_alpha8.png", "png_palette_trns.png", "png_gray8_trns.png",
                             "png_rgba16.png", "png_gray_alpha16.png", "png_rgba16_interlaced.png"]

    func testCompositingOverABackground() throws {
        let decoder = ImageDecoder(options: .init(alpha: .composite(over: background)))
        let components = [background.red, background.green, background.blue]
        for file in withAlpha {
            let entry = Fixtures.good(file)
            let colour = try Fixtures.values(entry.expected)
            let alpha = try Fixtures.values(try XCTUnwrap(entry.alpha, "\(file) has no alpha expectation"))
            XCTAssert(alpha.contains(0) && alpha.contains(255), "\(file) should have clear and opaque pixels")
            var expected = colour
            for i in expected.indices {
                let a = alpha[i / 3] / 255
                expected[i] = colour[i] * a + components[i % 3] * (1 - a)
            }
            let image = try decoder.decode(contentsOf: Fixtures.url(file))
            // Exact at a = 0 and a = 1; float rounding in between (16-bit alpha goes through
            // a different but equivalent scaling in the expectation).
            assertValuesMatch(image.pixels, expected, width: image.width, channels: 3, tolerance: 1e-3, file)
        }
    }

    func testTransparentPixelsBecomeTheBackgroundExactly() throws {
        let decoder = ImageDecoder(options: .init(alpha: .composite(over: background)))
        let image = try decoder.decode(contentsOf: Fixtures.url("png_rgba8.png"))
        // make_image_fixtures.py makes column 0 fully transparent and the last column opaque.
        let dropped = try ImageDecoder().decode(contentsOf: Fixtures.url("png_rgba8.png"))
        for y in 0..<image.height {
            XCTAssertEqual([image[y, 0, 0], image[y, 0, 1], image[y, 0, 2]], [10, 200, 37], "row \(y)")
            let x = image.width - 1
            XCTAssertEqual([image[y, x, 0], image[y, x, 1], image[y, x, 2]],
                           [dropped[y, x, 0], dropped[y, x, 1], dropped[y, x, 2]], "row \(y)")
        }
    }

    func testDroppingAlphaKeepsTheStoredColour() throws {
        // Pillow's convert("RGB"), which the parity tests compare against, also drops alpha;
        // here the point is that the default does so and opaque images are unaffected by compositing.
        XCTAssertEqual(ImageDecoder.Options().alpha, .drop)
        let opaque = try ImageDecoder(options: .init(alpha: .composite(over: .white)))
            .decode(contentsOf: Fixtures.url("png_rgb8.png"))
        XCTAssertEqual(opaque, try ImageDecoder().decode(contentsOf: Fixtures.url("png_rgb8.png")))
    }
}
