import Foundation
import Imaging

/// The cases written by Tests/Fixtures/scripts/make_resize_fixtures.py.
enum ResizeFixtures {
    struct Source: Decodable {
        let name: String
        let file: String
        let width: Int
        let height: Int
    }

    struct Case: Decodable {
        let name: String
        let source: String
        /// `pillow-u8`, `pillow-f` or `tf`.
        let reference: String
        let filter: String
        let width: Int
        let height: Int
        /// Pillow's (left, upper, right, lower), or nil for the whole image.
        let box: [Double]?
        let antialias: Bool
        let expected: String
        let tolerance: Float
    }

    struct Manifest: Decodable {
        let generator: String
        let sources: [Source]
        let cases: [Case]
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // ImagingTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/resize", isDirectory: true)

    static let manifest: Manifest = {
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
            return try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            fatalError("cannot read Fixtures/resize/manifest.json (\(error)); run make_resize_fixtures.py")
        }
    }()

    /// Raw uint8 (`.u8`) or little-endian float32 (`.f32`) values.
    static func values(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        if file.hasSuffix(".u8") { return data.map(Float.init) }
        return stride(from: 0, to: data.count, by: 4).map { offset in
            let bits = UInt32(data[offset]) | UInt32(data[offset + 1]) << 8
                | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
            return Float(bitPattern: bits)
        }
    }

    static func image(_ sourceName: String) throws -> Image {
        guard let source = manifest.sources.first(where: { $0.name == sourceName }) else {
            fatalError("no source \(sourceName) in Fixtures/resize/manifest.json")
        }
        return Image(width: source.width, height: source.height, pixels: try values(source.file))
    }
}
