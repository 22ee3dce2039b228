import Foundation
import Imaging
import XCTest

final class PNGEncoderTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tl-png-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Every byte value in every channel, in an odd size so rows are not a power of two long.
    private func gradientImage(width: Int = 37, height: Int = 23) -> Image {
        Image(width: width, height: height, pixels: (0..<(width * height * 3)).map { i in
            Float((i * 7 + i / 3) % 256)
        })
    }

    func testRGBImageRoundTripsExactly() throws {
        let image = gradientImage()
        let data = try PNGEncoder.encode(image)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let decoded = try ImageDecoder().decode(data, path: "round-trip.png")
        XCTAssertEqual(decoded, image)
    }

    func testImageValuesAreRoundedAndClamped() throws {
        let image = Image(width: 3, height: 1, pixels: [-4, 0.49, 0.5, 254.5, 300, .nan, 12.2, 12.7, 255])
        let decoded = try ImageDecoder().decode(PNGEncoder.encode(image), path: "rounded.png")
        XCTAssertEqual(decoded.pixels, [0, 0, 1, 255, 255, 0, 12, 13, 255])
    }

    func testOpaqueRGBAImageRoundTripsExactly() throws {
        let rgba = RGBAImage(gradientImage())
        XCTAssertTrue(rgba.isOpaque)
        let decoded = try ImageDecoder().decode(PNGEncoder.encode(rgba), path: "opaque.png")
        XCTAssertEqual(RGBAImage(decoded), rgba)
    }

    func testTranslucentRGBAImageKeepsItsAlpha() throws {
        var rgba = RGBAImage(width: 5, height: 4, red: 200, green: 100, blue: 50)
        for index in 0..<20 {
            rgba[index % 5, index / 5].alpha = UInt8(index * 13)
        }
        let data = try PNGEncoder.encode(rgba)
        // Colour type 6 (RGBA) in IHDR: 8 signature bytes, 8 chunk header bytes, then width,
        // height, bit depth, colour type.
        XCTAssertEqual(data[8 + 8 + 8], 8)
        XCTAssertEqual(data[8 + 8 + 9], 6)
        // Dropping alpha gives the stored colours back; compositing over black gives colour × a.
        let dropped = try ImageDecoder().decode(data, path: "alpha.png")
        XCTAssert(dropped.pixels.enumerated().allSatisfy { $0.element == [200, 100, 50][$0.offset % 3] })
        let over = try ImageDecoder(options: .init(alpha: .composite(over: .black))).decode(data, path: "alpha.png")
        XCTAssertEqual(over[0, 3, 0], 200 * Float(3 * 13) / 255, accuracy: 1e-3)
    }

    func testWriteReplacesTheFileAndLeavesNoTemporaryFile() throws {
        let directory = try temporaryDirectory()
        let url = directory.appendingPathComponent("plot.png")
        try PNGEncoder.write(RGBAImage(width: 2, height: 2, red: 1, green: 2, blue: 3), to: url)
        let image = gradientImage()
        try PNGEncoder.write(image, to: url)
        XCTAssertEqual(try ImageDecoder().decode(contentsOf: url), image)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["plot.png"])
    }

    func testWriteToMissingFolderNamesThePath() throws {
        let path = try temporaryDirectory().appendingPathComponent("missing/plot.png").path
        XCTAssertThrowsError(try PNGEncoder.write(gradientImage(), to: URL(fileURLWithPath: path))) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: path, reason: "No such file or directory"))
            XCTAssertEqual(error.localizedDescription, "cannot write \(path): No such file or directory")
        }
    }

    func testWriteToUnwritableFolderNamesThePathAndLeavesNothing() throws {
        let directory = try temporaryDirectory()
        let locked = directory.appendingPathComponent("locked", isDirectory: true)
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        // Root ignores permission bits; a file where a folder should be fails for everyone.
        let blocker = directory.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)

        var destinations = [blocker.appendingPathComponent("plot.png").path]
        if getuid() != 0 { destinations.append(locked.appendingPathComponent("plot.png").path) }
        for path in destinations {
            XCTAssertThrowsError(try PNGEncoder.write(gradientImage(), to: URL(fileURLWithPath: path))) { error in
                let message = error.localizedDescription
                XCTAssert(message.hasPrefix("cannot write \(path): "), message)
                XCTAssert(message.contains("Not a directory") || message.contains("Permission denied"), message)
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: locked.path), [])
    }

    func testWriteOverADirectoryFails() throws {
        let directory = try temporaryDirectory()
        let target = directory.appendingPathComponent("plot.png", isDirectory: true)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        XCTAssertThrowsError(try PNGEncoder.write(gradientImage(), to: target)) { error in
            XCTAssert(error.localizedDescription.contains(target.path), error.localizedDescription)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["plot.png"])
    }

    func testEmptyImageIsRefused() {
        XCTAssertThrowsError(try PNGEncoder.encode(Image(width: 0, height: 3, pixels: []))) { error in
            XCTAssert(error.localizedDescription.contains("0×3"), error.localizedDescription)
        }
    }

    func testEncodesConcurrently() throws {
        let image = gradientImage(width: 64, height: 48)
        let expected = try PNGEncoder.encode(image)
        let results = UnsafeSendableResults(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            results.set(index, (try? PNGEncoder.encode(image)) == expected)
        }
        XCTAssertEqual(results.values, [Bool](repeating: true, count: 8))
    }
}

/// Results of concurrent iterations; each iteration writes only its own slot, under a lock.
private final class UnsafeSendableResults: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Bool]
    init(count: Int) { storage = [Bool](repeating: false, count: count) }
    func set(_ index: Int, _ value: Bool) { lock.lock(); storage[index] = value; lock.unlock() }
    var values: [Bool] { lock.lock(); defer { lock.unlock() }; return storage }
}
