import Foundation
import KerasFormat
import XCTest

/// Bad input: each run fails with a non-zero exit and one short message naming the culprit.
final class ErrorTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = try makeTemporaryDirectory("errors", for: self)
    }

    /// Runs `arguments`, expects failure, and checks the message (from "Error:" on) is at
    /// most `maxLines` lines (ArgumentParser adds usage lines to validation errors) with
    /// every one of `mentions` in its first line.
    @discardableResult
    func expectFailure(_ arguments: [String], mentions: [String], status: Int32? = nil, maxLines: Int = 3,
                       file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let run = try runTL(arguments, cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertNotEqual(run.status, 0, run.transcript, file: file, line: line)
        if let status { XCTAssertEqual(run.status, status, run.transcript, file: file, line: line) }
        let message = run.errorMessageLines
        XCTAssertFalse(message.isEmpty, "no Error: line\n\(run.transcript)", file: file, line: line)
        XCTAssertLessThanOrEqual(message.count, maxLines, run.transcript, file: file, line: line)
        for text in mentions {
            XCTAssertTrue(message.first?.contains(text) ?? false, "the error line does not mention \(text)\n\(run.transcript)",
                          file: file, line: line)
        }
        XCTAssertFalse(run.stderr.contains("Fatal error"), run.transcript, file: file, line: line)
        return run
    }

    func retrain(_ data: String, _ extra: [String] = [], output: String? = nil) -> [String] {
        ["retrain-head", data, "--model", Fixtures.backbone.path, "--output", output ?? work.appendingPathComponent("out/m.h5").path,
         "--epochs", "2", "--quiet"] + extra
    }

    func testMissingDataFolder() throws {
        let missing = work.appendingPathComponent("no-such-folder").path
        try expectFailure(retrain(missing), mentions: [missing], status: 64)
        try expectFailure(["evaluate", missing, "--model", Fixtures.backbone.path], mentions: [missing], status: 64)
        try expectFailure(["extract-features", missing, "--output", work.appendingPathComponent("f.h5").path],
                          mentions: [missing], status: 64)
        try expectFailure(["predict", missing, "--model", try Fixtures.trainedModel.path], mentions: [missing])
    }

    func testAnEmptyClassFolder() throws {
        let data = work.appendingPathComponent("data")
        try Fixtures.writeDataset(at: data, imagesPerClass: 3, withBadFiles: false)
        try FileManager.default.createDirectory(at: data.appendingPathComponent("green"), withIntermediateDirectories: true)
        let run = try expectFailure(retrain(data.path), mentions: [data.appendingPathComponent("green").path, "'green'"], maxLines: 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("out/m.h5").path), run.transcript)
    }

    func testASingleClass() throws {
        let data = work.appendingPathComponent("data")
        try Fixtures.writeDataset(at: data, imagesPerClass: 3, withBadFiles: false)
        try FileManager.default.removeItem(at: data.appendingPathComponent("red"))
        try expectFailure(retrain(data.path), mentions: [data.path, "'blue'", "2 classes"], maxLines: 1)
    }

    func testAFolderWithoutClassFolders() throws {
        let data = work.appendingPathComponent("loose")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.dataset.appendingPathComponent(Fixtures.goodImages[0]),
                                         to: data.appendingPathComponent("a.png"))
        try expectFailure(retrain(data.path), mentions: [data.path, "sub-folder"], maxLines: 1)
    }

    func testAnUnwritableOutputFolder() throws {
        try XCTSkipIf(getuid() == 0, "root can write into a read-only folder, so this cannot fail as root")
        let locked = work.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        try expectFailure(retrain(Fixtures.dataset.path, output: locked.appendingPathComponent("m.h5").path),
                          mentions: [locked.path])
    }

    func testAnOutputUnderAFile() throws {
        // Fails for root too: a regular file cannot hold a folder.
        let plain = work.appendingPathComponent("plain.txt")
        try Data("x".utf8).write(to: plain)
        let output = plain.appendingPathComponent("run/m.h5").path
        try expectFailure(retrain(Fixtures.dataset.path, output: output),
                          mentions: ["--output \(output)", "cannot create the folder \(plain.path)/run", "Not a directory"])
        try expectFailure(["extract-features", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                           "--output", plain.appendingPathComponent("f.h5").path], mentions: ["cannot create the folder \(plain.path)"])
        try expectFailure(["evaluate", Fixtures.dataset.path, "--model", try Fixtures.trainedModel.path,
                           "--output", plain.appendingPathComponent("eval").path], mentions: ["cannot create the folder \(plain.path)/eval"])
    }

    func testAnOutputThatIsAFolder() throws {
        try expectFailure(retrain(Fixtures.dataset.path, output: work.path), mentions: ["--output \(work.path)", "is a folder"])
    }

    func testValidationSplitOutOfRange() throws {
        try expectFailure(retrain(Fixtures.dataset.path, ["--val-split", "1.5"]), mentions: ["--val-split"], status: 64)
        try expectFailure(retrain(Fixtures.dataset.path, ["--val-split=-0.1"]), mentions: ["--val-split"], status: 64)
        try expectFailure(retrain(Fixtures.dataset.path, ["--val-split", "-0.1"]), mentions: ["at least 0 and below 1"], status: 64)
    }

    /// Both training commands refuse the same impossible settings, each naming the flag.
    func testImpossibleTrainingSettings() throws {
        let finetune = ["finetune", Fixtures.dataset.path, "--model", Fixtures.backbone.path, "--unfreeze", "1",
                        "--output", work.appendingPathComponent("out/f.h5").path, "--quiet"]
        for (flag, value) in [("--epochs", "0"), ("--batch-size", "0"), ("--learning-rate", "0"), ("--l2", "-0.5")] {
            try expectFailure(retrain(Fixtures.dataset.path, ["\(flag)=\(value)"]), mentions: [flag], status: 64)
            try expectFailure(finetune + ["\(flag)=\(value)"], mentions: [flag], status: 64)
        }
    }

    func testUnknownAugmentation() throws {
        try expectFailure(retrain(Fixtures.dataset.path, ["--augment-views", "2", "--augment", "flip,warp"]),
                          mentions: ["warp"], status: 64)
        // Also without --augment-views: a typo must not pass silently.
        try expectFailure(retrain(Fixtures.dataset.path, ["--augment", "flip,warp"]), mentions: ["warp"], status: 64)
        try expectFailure(["finetune", Fixtures.dataset.path, "--model", Fixtures.backbone.path, "--unfreeze", "1",
                           "--output", work.appendingPathComponent("ft/m.h5").path, "--augment", "rot91"],
                          mentions: ["rot91"], status: 64)
    }

    func testATextFileAsModel() throws {
        let text = work.appendingPathComponent("model.h5")
        try Data("not a model\n".utf8).write(to: text)
        let image = Fixtures.dataset.appendingPathComponent(Fixtures.goodImages[0]).path
        let run = try expectFailure(["predict", image, "--model", text.path], mentions: [text.path], maxLines: 1)
        XCTAssertEqual(run.stderrLines.count, 1, run.transcript)
        XCTAssertEqual(run.stdout, "", run.transcript)
        try expectFailure(retrain(Fixtures.dataset.path).map { $0 == Fixtures.backbone.path ? text.path : $0 },
                          mentions: [text.path], maxLines: 1)
        try expectFailure(["info", text.path], mentions: [text.path], maxLines: 1)
    }

    func testAMissingModelFile() throws {
        let missing = work.appendingPathComponent("nope.h5").path
        try expectFailure(["predict", Fixtures.dataset.path, "--model", missing], mentions: ["--model \(missing)"], status: 64)
    }

    func testFinetuneFromAModelWithOtherClasses() throws {
        let data = work.appendingPathComponent("data")
        try Fixtures.writeDataset(at: data, imagesPerClass: 3, withBadFiles: false)
        try FileManager.default.moveItem(at: data.appendingPathComponent("red"), to: data.appendingPathComponent("green"))
        try expectFailure(["finetune", data.path, "--from", try Fixtures.trainedModel.path, "--unfreeze", "1",
                           "--output", work.appendingPathComponent("ft/m.h5").path, "--quiet"],
                          mentions: ["--from", "green"])
    }

    func testFinetuneOnAModelWithoutBlocks() throws {
        // The tiny backbone saved without tl_blocks: tl cannot tell what a block is.
        let bare = work.appendingPathComponent("bare.h5")
        try KerasWriter.save(try Fixtures.makeTinyBackbone(), to: bare.path)
        try expectFailure(["finetune", Fixtures.dataset.path, "--model", bare.path, "--unfreeze", "1", "--head-epochs", "1",
                           "--output", work.appendingPathComponent("ft/m.h5").path, "--quiet"],
                          mentions: [bare.path, "blocks"], maxLines: 1)
    }
}

