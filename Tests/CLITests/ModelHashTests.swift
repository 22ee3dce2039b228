import Foundation
import TransferLearning
import XCTest

/// A model's SHA-256 is read when first asked for (reports and feature caches ask, `predict`
/// does not), then kept for the rest of the run.
final class ModelHashTests: XCTestCase {
    func testHashIsReadOnFirstUseAndKept() throws {
        let folder = try makeTemporaryDirectory("model-hash", for: self)
        let copy = folder.appendingPathComponent("backbone.h5")
        try FileManager.default.copyItem(at: Fixtures.backbone, to: copy)
        let model = try LoadedModel.load(ModelOptions(path: copy.path))
        let expected = try SHA256.hexDigest(ofFileAt: Fixtures.backbone.path)

        // Not hashed while loading: once the file is gone, asking names it.
        try FileManager.default.removeItem(at: copy)
        XCTAssertThrowsError(try model.sha256) { error in
            XCTAssertEqual((error as? UnreadableFileError)?.path, copy.path, "\(error)")
        }
        try FileManager.default.copyItem(at: Fixtures.backbone, to: copy)
        XCTAssertEqual(try model.sha256, expected)
        try Data("another file".utf8).write(to: copy)
        XCTAssertEqual(try model.sha256, expected, "hashed once, then kept")
    }
}
