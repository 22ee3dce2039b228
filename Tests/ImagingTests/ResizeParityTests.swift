import Imaging
import XCTest

/// Resizing against Pillow's `Image.resize` (8-bit and mode "F") and `tf.image.resize`
/// without antialiasing; see make_resize_fixtures.py for what each reference computes.
final class ResizeParityTests: XCTestCase {
    func testMatchesPillowInModeF() throws {
        try check(reference: "pillow-f", atLeast: 18)
    }

    func testMatchesPillowOnEightBitImages() throws {
        try check(reference: "pillow-u8", atLeast: 18)
    }

    func testWithoutAntialiasingMatchesTensorFlow() throws {
        try check(reference: "tf", atLeast: 8)
    }

    /// The fixtures must tell the two geometries apart, or the tests above prove little.
    func testAntialiasingChangesShrinking() throws {
        let source = try ResizeFixtures.image("source")
        let smooth = source.resized(width: 9, height: 7)
        let sharp = source.resized(width: 9, height: 7, antialias: false)
        XCTAssertGreaterThan(LargestDifference(smooth.pixels, sharp.pixels).value, 20)
    }

    func testSameSizeIsTheIdentity() throws {
        let source = try ResizeFixtures.image("source")
        for filter in ResizeFilter.allCases {
            XCTAssertEqual(source.resized(width: source.width, height: source.height, filter: filter), source)
        }
    }

    /// Whole-number enlargement by 2 with the triangle kernel: each output is 3/4 of its nearer
    /// source pixel and 1/4 of the next, except at the borders where the only tap is the edge.
    func testDoublingByHand() {
        let image = Image(width: 2, height: 1, pixels: [0, 0, 0, 100, 100, 100])
        let doubled = image.resized(width: 4, height: 1)
        XCTAssertEqual(doubled.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), [0, 25, 75, 100])
    }

    private func check(reference: String, atLeast minimum: Int) throws {
        let cases = ResizeFixtures.manifest.cases.filter { $0.reference == reference }
        XCTAssertGreaterThanOrEqual(cases.count, minimum, "too few \(reference) cases")
        var largest: [String: (value: Float, name: String)] = [:]
        for entry in cases {
            let source = try ResizeFixtures.image(entry.source)
            guard let filter = ResizeFilter(parsing: entry.filter) else {
                XCTFail("\(entry.name): unknown filter \(entry.filter)")
                continue
            }
            let box = entry.box.map { PixelRect(x: $0[0], y: $0[1], width: $0[2] - $0[0], height: $0[3] - $0[1]) }
                ?? PixelRect(x: 0, y: 0, width: source.width, height: source.height)
            let result = source.resized(width: entry.width, height: entry.height, from: box,
                                        filter: filter, antialias: entry.antialias)
            XCTAssertEqual([result.width, result.height], [entry.width, entry.height], entry.name)
            let expected = try ResizeFixtures.values(entry.expected)
            assertValuesMatch(result.pixels, expected, width: entry.width, channels: 3,
                              tolerance: entry.tolerance, entry.name)
            let difference = LargestDifference(result.pixels, expected).value
            if difference >= largest[entry.filter, default: (0, "")].value {
                largest[entry.filter] = (difference, entry.name)
            }
        }
        for (filter, worst) in largest.sorted(by: { $0.key < $1.key }) {
            print("\(reference) \(filter): largest difference \(worst.value) (\(worst.name))")
        }
    }
}
