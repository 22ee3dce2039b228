import Foundation
import Imaging
import XCTest

final class DecodingErrorTests: XCTestCase {
    private let decoder = ImageDecoder()

    private func error(decoding url: URL, with decoder: ImageDecoder? = nil,
                       file: StaticString = #filePath, line: UInt = #line) -> ImageError? {
        do {
            let image = try (decoder ?? self.decoder).decode(contentsOf: url)
            XCTFail("\(url.lastPathComponent) decoded to \(image.width)×\(image.height)", file: file, line: line)
        } catch let error as ImageError {
            return error
        } catch {
            XCTFail("\(url.lastPathComponent): not an ImageError: \(error)", file: file, line: line)
        }
        return nil
    }

    private static func kind(of reason: ImageError.Reason) -> String {
        switch reason {
        case .unreadable: return "unreadable"
        case .empty: return "empty"
        case .notAnImage: return "notAnImage"
        case .truncated: return "truncated"
        case .badCRC: return "badCRC"
        case .tooLarge: return "tooLarge"
        case .corrupt: return "corrupt"
        case .outOfMemory: return "outOfMemory"
        }
    }

    func testEveryBadFixtureGivesItsReasonAndNamesTheFile() {
        XCTAssertGreaterThanOrEqual(Fixtures.manifest.errors.count, 10)
        for entry in Fixtures.manifest.errors {
            let url = Fixtures.url(entry.file)
            guard let error = error(decoding: url) else { continue }
            XCTAssertEqual(Self.kind(of: error.reason), entry.reason, "\(entry.file): \(error.localizedDescription)")
            XCTAssertEqual(error.path, url.path)
            XCTAssert(error.localizedDescription.hasPrefix(url.path + ": "), error.localizedDescription)
        }
    }

    func testMessagesSayWhatIsWrong() throws {
        let messages: [(String, String)] = [
            ("bad_empty.png", "file is empty"),
            ("bad_not_an_image.png", "not a PNG or JPEG image"),
            ("bad_truncated.png", "truncated PNG file"),
            ("bad_truncated.jpg", "truncated JPEG file"),
            ("bad_idat_crc.png", "bad CRC"),
            ("bad_bomb.png", "100000×100000 = 10,000,000,000 pixels"),
            ("bad_bomb.png", "--max-pixels"),
            ("bad_corrupt.jpg", "corrupt JPEG data"),
        ]
        for (file, fragment) in messages {
            let message = error(decoding: Fixtures.url(file))?.localizedDescription ?? ""
            XCTAssert(message.contains(fragment), "\(file): «\(message)» lacks «\(fragment)»")
        }
    }

    func testBombIsRefusedFromTheHeader() {
        // The file holds 64 bytes of pixel data for a declared 10-gigapixel image: anything
        // but tooLarge (truncated, out of memory) would mean the decoder went past the header.
        let png = error(decoding: Fixtures.url("bad_bomb.png"))
        XCTAssertEqual(png?.reason, .tooLarge(width: 100_000, height: 100_000,
                                             limit: ImageDecoder.Options.defaultMaxPixels))
        let jpeg = error(decoding: Fixtures.url("bad_bomb.jpg"))
        XCTAssertEqual(jpeg?.reason, .tooLarge(width: 60_000, height: 60_000,
                                              limit: ImageDecoder.Options.defaultMaxPixels))
    }

    func testMaxPixelsIsAnInclusiveLimit() throws {
        let exact = ImageDecoder(options: .init(maxPixels: 13 * 9))
        XCTAssertNoThrow(try exact.decode(contentsOf: Fixtures.url("png_rgb8.png")))
        XCTAssertNoThrow(try exact.decode(contentsOf: Fixtures.url("jpeg_progressive.jpg")))
        let tight = ImageDecoder(options: .init(maxPixels: 13 * 9 - 1))
        for file in ["png_rgb8.png", "jpeg_progressive.jpg"] {
            XCTAssertEqual(error(decoding: Fixtures.url(file), with: tight)?.reason,
                           .tooLarge(width: 13, height: 9, limit: 116), file)
        }
    }

    func testMissingFileAndDirectoryAreUnreadable() {
        let missing = Fixtures.url("no_such_file.png")
        XCTAssertEqual(error(decoding: missing)?.reason, .unreadable("No such file or directory"))
        XCTAssertEqual(error(decoding: Fixtures.directory)?.reason, .unreadable("Is a directory"))
        XCTAssertEqual(error(decoding: missing)?.localizedDescription,
                       "\(missing.path): cannot read the file (No such file or directory)")
    }

    func testInMemoryDataIsNamedByTheCaller() {
        XCTAssertThrowsError(try decoder.decode(Data("hello".utf8), path: "upload #3")) { error in
            XCTAssertEqual(error as? ImageError, ImageError(path: "upload #3", reason: .notAnImage))
        }
    }

    func testMagicBytesDecideNotTheExtension() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tl-imaging-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let misnamed = directory.appendingPathComponent("actually_a_png.jpg")
        try FileManager.default.copyItem(at: Fixtures.url("png_rgb8.png"), to: misnamed)
        let image = try decoder.decode(contentsOf: misnamed)
        let expected = try Fixtures.values(Fixtures.good("png_rgb8.png").expected)
        assertValuesMatch(image.pixels, expected, width: image.width, channels: 3, tolerance: 0, "misnamed PNG")
    }
}
