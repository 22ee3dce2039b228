import Foundation
import TransferLearning
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        // FIPS 180-4 examples and the empty message.
        XCTAssertEqual(SHA256.hexDigest(of: Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest(of: Data()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionLetterA() {
        var hasher = SHA256()
        // Uneven pieces exercise the pending-block path as well as whole blocks.
        let piece = Data(repeating: UInt8(ascii: "a"), count: 999)
        var remaining = 1_000_000
        while remaining > 0 {
            let count = min(piece.count, remaining)
            hasher.update(piece.prefix(count))
            remaining -= count
        }
        XCTAssertEqual(hasher.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testEveryLengthAroundTheBlockBoundaryMatchesOneShotHashing() {
        // Lengths 55, 56 and 64 change how many padding blocks there are.
        let bytes = Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            var split = SHA256()
            split.update(bytes.prefix(length / 3))
            split.update(bytes.prefix(length).dropFirst(length / 3))
            XCTAssertEqual(split.finalizeHex(), SHA256.hexDigest(of: bytes.prefix(length)), "length \(length)")
        }
    }

    func testFileDigestMatchesSha256sum() throws {
        let directory = try temporaryDirectory()
        let url = directory.appendingPathComponent("blob.bin")
        // Over 1 MiB so the file is read in more than one chunk.
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<(1 << 20) + 12_345).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try data.write(to: url)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let expected = String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init)

        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: url), expected)
        XCTAssertEqual(SHA256.hexDigest(of: data), expected)
    }

    func testMissingFileNamesThePath() {
        let path = "/nonexistent-\(UUID().uuidString)/model.h5"
        XCTAssertThrowsError(try SHA256.hexDigest(ofFileAt: URL(fileURLWithPath: path))) { error in
            let message = error.localizedDescription
            XCTAssert(message.contains(path) && message.contains("No such file"), message)
        }
    }
}
