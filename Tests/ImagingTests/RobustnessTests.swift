import Foundation
import Imaging
import XCTest

/// Damaged input must end in an ImageError or an image, never in a crash: this walks every
/// libpng and libjpeg error path the shims guard with setjmp.
final class RobustnessTests: XCTestCase {
    private let decoder = ImageDecoder()
    private let samples = ["png_rgb8_interlaced.png", "png_rgba16.png", "png_palette_trns.png",
                           "jpeg_baseline_420.jpg", "jpeg_progressive.jpg", "jpeg_cmyk.jpg"]

    func testEveryTruncationIsAnError() throws {
        for file in samples {
            let data = try Data(contentsOf: Fixtures.url(file))
            // A PNG whose pixels are all present but whose IEND (12 bytes) is cut still decodes, like in Pillow.
            let firstComplete = file.hasSuffix(".png") ? data.count - 12 : data.count
            for length in 1..<data.count {
                do {
                    _ = try decoder.decode(data.prefix(length), path: file)
                    XCTAssertGreaterThanOrEqual(length, firstComplete, "\(file) cut to \(length) bytes decoded")
                } catch let error as ImageError {
                    XCTAssertLessThan(length, firstComplete, "\(file) cut to \(length): \(error.reasonDescription)")
                    switch error.reason {
                    case .truncated, .corrupt: break
                    default: XCTFail("\(file) cut to \(length) bytes: \(error.reasonDescription)")
                    }
                }
            }
        }
    }

    func testFlippedBytesNeverCrash() throws {
        for file in samples {
            let data = try Data(contentsOf: Fixtures.url(file))
            var decoded = 0
            for offset in data.indices {
                var damaged = data
                damaged[offset] ^= 0xA5
                do {
                    let image = try decoder.decode(damaged, path: file)
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                    decoded += 1
                } catch is ImageError {
                    continue
                }
            }
            // JPEG tolerates damaged entropy-coded data with warnings (as Pillow does); PNG checks CRCs.
            if file.hasSuffix(".png") {
                XCTAssertLessThan(decoded, data.count / 4, "\(file): too many damaged copies accepted")
            }
        }
    }
}
