import Foundation
import XCTest

/// The files written by Tests/Fixtures/scripts/make_image_fixtures.py and their manifest.
enum Fixtures {
    struct Good: Decodable {
        let file: String
        let width: Int
        let height: Int
        let expected: String
        let alpha: String?
        let tolerance: Float
        let note: String
    }

    struct Bad: Decodable {
        let file: String
        let reason: String
        let note: String
    }

    struct Manifest: Decodable {
        let generator: String
        let images: [Good]
        let errors: [Bad]
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // ImagingTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/images", isDirectory: true)

    static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    static let manifest: Manifest = {
        do {
            let data = try Data(contentsOf: url("manifest.json"))
            return try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            fatalError("cannot read the image fixtures' manifest.json (\(error)); run make_image_fixtures.py")
        }
    }()

    static func good(_ file: String) -> Good {
        guard let entry = manifest.images.first(where: { $0.file == file }) else {
            fatalError("\(file) is not a good fixture in manifest.json")
        }
        return entry
    }

    /// Expectation files hold raw uint8 (`.u8`) or little-endian float32 (`.f32`) values.
    static func values(_ relativePath: String) throws -> [Float] {
        let data = try Data(contentsOf: url(relativePath))
        if relativePath.hasSuffix(".u8") {
            return data.map(Float.init)
        }
        precondition(relativePath.hasSuffix(".f32") && data.count % 4 == 0, "unknown expectation \(relativePath)")
        return stride(from: 0, to: data.count, by: 4).map { offset in
            let bits = UInt32(data[offset]) | UInt32(data[offset + 1]) << 8
                | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
            return Float(bitPattern: bits)
        }
    }
}

/// The largest absolute difference between two equally long arrays of HWC values, and where.
struct LargestDifference {
    let value: Float
    let index: Int
    let actual: Float
    let expected: Float

    init(_ actual: [Float], _ expected: [Float]) {
        precondition(actual.count == expected.count)
        var best = (value: Float(0), index: 0)
        for i in actual.indices {
            let difference = abs(actual[i] - expected[i])
            if difference > best.value || difference.isNaN { best = (difference, i) }
        }
        value = best.value
        index = best.index
        self.actual = actual.isEmpty ? 0 : actual[best.index]
        self.expected = expected.isEmpty ? 0 : expected[best.index]
    }

    func describe(width: Int, channels: Int) -> String {
        let pixel = index / channels
        return "largest difference \(value) at index \(index) (y \(pixel / width), x \(pixel % width), "
            + "channel \(index % channels)): got \(actual), expected \(expected)"
    }
}

func assertValuesMatch(_ actual: [Float], _ expected: [Float], width: Int, channels: Int, tolerance: Float,
                       _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    let largest = LargestDifference(actual, expected)
    XCTAssert(largest.value <= tolerance,
              "\(label): \(largest.describe(width: width, channels: channels)), tolerance \(tolerance)",
              file: file, line: line)
}
