import Foundation
import Imaging
@testable import TransferLearning  // EpochRecord has no public memberwise initializer
import XCTest

final class RunReportTests: XCTestCase {
    private func sampleReport() throws -> RunReport {
        var report = RunReport(command: "retrain-head", arguments: ["data/xray", "--epochs", "2"], tlVersion: "0.1.0",
                               startedAt: Date(timeIntervalSince1970: 1_700_000_000))
        report.finishedAt = Date(timeIntervalSince1970: 1_700_000_125)
        report.hyperparameters = ["learningRate": "0.001", "epochs": "2", "batchSize": "32"]
        report.seed = 42
        report.model = ModelFingerprint(path: "/models/lite0.h5", sha256: String(repeating: "ab", count: 32),
                                        architecture: "EfficientNetLite0")
        report.dataset = DatasetSummary(
            source: "data/xray", classNames: ["normal", "pneumonia"],
            splits: [SplitSummary(name: "train", labels: [0, 0, 1, 1, 1], classNames: ["normal", "pneumonia"]),
                     SplitSummary(name: "validation", labels: [1], classNames: ["normal", "pneumonia"])],
            ignoredFiles: [FileIssue(path: "data/xray/notes.txt", reason: "not an image")])
        report.skippedFiles = [FileIssue(path: "data/xray/normal/bad.png", reason: "truncated PNG file")]
        report.epochs = [
            EpochRecord(epoch: 1, trainLoss: 0.7, trainAccuracy: 0.5, validationLoss: 0.6, validationAccuracy: 0.6,
                        learningRate: 0.001, seconds: 1.5),
            EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.5, validationLoss: nil, validationAccuracy: nil,
                        learningRate: 0.001, seconds: 1.25),
        ]
        report.metrics = try ClassificationMetrics(trueLabels: [0, 1], probabilities: [[0.8, 0.2], [0.3, 0.7]],
                                                   classNames: ["normal", "pneumonia"])
        report.outputs = ["model": "out/model.h5", "report": "out/report.json"]
        report.timing("train head") { }
        return report
    }

    func testTimingRecordsStagesInOrderEvenWhenTheyThrow() {
        var report = RunReport(command: "x", tlVersion: "0")
        struct Failure: Error {}
        report.timing("first") { usleep(20_000) }
        XCTAssertThrowsError(try report.timing("second") { throw Failure() })
        XCTAssertEqual(report.stages.map(\.name), ["first", "second"])
        XCTAssertGreaterThanOrEqual(report.stages[0].seconds, 0.015)
    }

    func testWritesSortedPrettyJSONThatReadsBack() throws {
        let directory = try temporaryDirectory()
        let url = directory.appendingPathComponent("report.json")
        let report = try sampleReport()
        try report.write(to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["report.json"])

        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssert(text.hasPrefix("{\n  \"arguments\" : [\n"), text)
        XCTAssert(text.contains("\"startedAt\" : \"2023-11-14T22:13:20Z\""), text)
        XCTAssert(text.contains("\"trainLoss\" : \"NaN\""), text)
        XCTAssert(text.contains("\"path\" : \"data/xray/normal/bad.png\""), "slashes stay unescaped")
        XCTAssert(text.contains("\"countsPerClass\" : {\n          \"normal\" : 2,\n          \"pneumonia\" : 3\n"), text)
        // Keys at every level in sorted order: the top-level keys as a check.
        let topLevel = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        XCTAssertEqual(topLevel, topLevel.sorted())
        XCTAssertEqual(topLevel.count, 14)

        let back = try RunReport.read(from: url)
        XCTAssertEqual(back.metrics, report.metrics)
        XCTAssertEqual(back.dataset, report.dataset)
        XCTAssertEqual(back.startedAt, report.startedAt)
        XCTAssert(back.epochs[1].trainLoss.isNaN)
        XCTAssertEqual(back.epochs[0], report.epochs[0])
        XCTAssertEqual(back.stages.map(\.name), ["train head"])
    }

    func testWriteToUnwritablePlaceNamesThePath() throws {
        let path = try temporaryDirectory().appendingPathComponent("no/such/folder/report.json").path
        XCTAssertThrowsError(try RunReport(command: "x", tlVersion: "0").write(to: URL(fileURLWithPath: path))) { error in
            XCTAssertEqual(error.localizedDescription, "cannot write \(path): No such file or directory")
        }
    }

    func testSplitSummaryCountsEveryClass() {
        let split = SplitSummary(name: "test", labels: [2, 2, 0], classNames: ["a", "b", "c"])
        XCTAssertEqual(split.countsPerClass, ["a": 1, "b": 0, "c": 2])
        XCTAssertEqual(split.total, 3)
    }
}
