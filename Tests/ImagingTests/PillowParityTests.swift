import Imaging
import XCTest

/// Every good fixture against Pillow's `convert("RGB")` (after `exif_transpose`), or against
/// the exact 16-bit source values for 16-bit PNGs. PNG tolerances are 0; JPEG ones come from
/// the manifest (see JPEG_TOLERANCE in make_image_fixtures.py).
final class PillowParityTests: XCTestCase {
    private let decoder = ImageDecoder()

    func testPNGVariantsMatchPillow() throws {
        try checkFixtures(prefix: "png_", atLeast: 20)
    }

    func testJPEGVariantsMatchPillow() throws {
        try checkFixtures(prefix: "jpeg_", atLeast: 18)
    }

    func testEveryVariantIsCovered() {
        let files = Set(Fixtures.manifest.images.map(\.file))
        let required = [
            "png_gray1.png", "png_gray2.png", "png_gray4.png", "png_gray8.png", "png_gray16.png",
            "png_gray_alpha8.png", "png_gray_alpha16.png", "png_palette4.png", "png_palette_trns.png",
            "png_gray8_trns.png", "png_rgb8.png", "png_rgb16.png", "png_rgba8.png", "png_rgba16.png",
            "png_rgb8_interlaced.png", "png_gray4_interlaced.png", "png_rgba16_interlaced.png",
            "png_exif_orientation6.png", "png_ancillary_bad_crc.png", "png_missing_iend.png",
            "jpeg_baseline_420.jpg", "jpeg_baseline_422.jpg", "jpeg_baseline_444.jpg", "jpeg_progressive.jpg",
            "jpeg_restart_optimized.jpg", "jpeg_gray.jpg", "jpeg_cmyk.jpg", "jpeg_cmyk_no_adobe.jpg",
            "jpeg_exif_orientation6_big_endian.jpg", "jpeg_exif_orientation7_big_endian.jpg",
        ] + (1...8).map { "jpeg_exif_orientation\($0).jpg" }
        XCTAssertEqual(Set(required).subtracting(files), [], "fixtures missing from manifest.json")
    }

    /// 16-bit PNGs must keep the low byte: the expectation is v / 65535 × 255, not (v >> 8).
    func testSixteenBitSamplesKeepTheirPrecision() throws {
        let image = try decoder.decode(contentsOf: Fixtures.url("png_rgb16.png"))
        let fractional = image.pixels.filter { $0 != $0.rounded() }
        XCTAssertGreaterThan(fractional.count, image.pixels.count / 2,
                             "16-bit values look cut to 8 bits")
        XCTAssertEqual(image[0, 0, 0], 255)
        XCTAssertEqual(image[image.height - 1, image.width - 1, 2], 0)
    }

    func testOrientationSwapsTheSides() throws {
        for orientation in 1...8 {
            let image = try decoder.decode(contentsOf: Fixtures.url("jpeg_exif_orientation\(orientation).jpg"))
            let turned = orientation >= 5
            XCTAssertEqual(image.width, turned ? 9 : 13, "orientation \(orientation)")
            XCTAssertEqual(image.height, turned ? 13 : 9, "orientation \(orientation)")
        }
        let stored = try ImageDecoder(options: .init(appliesExifOrientation: false))
            .decode(contentsOf: Fixtures.url("jpeg_exif_orientation6.jpg"))
        XCTAssertEqual([stored.width, stored.height], [13, 9], "orientation applied although switched off")
    }

    private func checkFixtures(prefix: String, atLeast minimum: Int) throws {
        let entries = Fixtures.manifest.images.filter { $0.file.hasPrefix(prefix) }
        XCTAssertGreaterThanOrEqual(entries.count, minimum, "too few \(prefix) fixtures")
        var largestSeen: Float = 0
        for entry in entries {
            let image: Image
            do {
                image = try decoder.decode(contentsOf: Fixtures.url(entry.file))
            } catch {
                XCTFail("\(entry.file): \(error.localizedDescription)")
                continue
            }
            XCTAssertEqual(image.channels, 3, entry.file)
            XCTAssertEqual([image.width, image.height], [entry.width, entry.height], "\(entry.file): size")
            guard image.width == entry.width && image.height == entry.height else { continue }
            let expected = try Fixtures.values(entry.expected)
            assertValuesMatch(image.pixels, expected, width: image.width, channels: 3,
                              tolerance: entry.tolerance, entry.file)
            largestSeen = max(largestSeen, LargestDifference(image.pixels, expected).value)
        }
        print("\(prefix)* fixtures: largest difference from Pillow over \(entries.count) files: \(largestSeen)")
    }
}
