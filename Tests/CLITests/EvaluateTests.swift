import Foundation
import TransferLearning
import XCTest

/// `tl evaluate` on a labeled folder, checked against `tl predict` on the same images.
final class EvaluateTests: XCTestCase {
    func testConfusionMatrixMatchesPredictions() throws {
        let work = try makeTemporaryDirectory("evaluate", for: self)
        let cacheHome = work.appendingPathComponent("xdg")
        let model = try Fixtures.trainedModel
        let output = work.appendingPathComponent("eval")
        let run = try runTL(["evaluate", Fixtures.dataset.path, "--model", model.path, "--output", output.path],
                            cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
                XCTAssertTrue(run.stdout.contains("skipped 3 unreadable image(s)"), run.transcript)
        XCTAssertTrue(run.stdout.contains("report: \(output.appendingPathComponent("report.json").path)"), run.transcript)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.path).sorted(),
                       ["confusion_matrix.png", "report.json"])

        let report = try RunReport.read(from: output.appendingPathComponent("report.json"))
        XCTAssertEqual(report.command, "evaluate")
        let metrics = try XCTUnwrap(report.metrics)
        XCTAssertEqual(metrics.classNames, Fixtures.classNames)
        XCTAssertEqual(metrics.sampleCount, Fixtures.goodImages.count)
        XCTAssertEqual(report.skippedFiles.count, Fixtures.badFiles.count)
        XCTAssertGreaterThanOrEqual(metrics.accuracy, 0.9)
        // The printed accuracy is the report's.
        XCTAssertTrue(run.stdoutLines.contains { $0.hasPrefix("Accuracy") && $0.contains(String(format: "%.4f", metrics.accuracy)) },
                      run.transcript)

        // The same matrix from predict's top-1 on the same images.
        let predict = try runTL(["predict", Fixtures.dataset.path, "--model", model.path, "--format", "json", "--top", "1"],
                                cacheHome: cacheHome)
        XCTAssertEqual(predict.status, 0, predict.transcript)
        var matrix = [[Int]](repeating: [0, 0], count: 2)
        for row in try decodePredictions(predict) {
            guard let top = row.predictions?.first else { continue }
            let truth = URL(fileURLWithPath: row.path).deletingLastPathComponent().lastPathComponent
            let trueIndex = try XCTUnwrap(Fixtures.classNames.firstIndex(of: truth))
            matrix[trueIndex][top.index] += 1
        }
        XCTAssertEqual(metrics.confusionMatrix, matrix)
        XCTAssertEqual(matrix.flatMap { $0 }.reduce(0, +), Fixtures.goodImages.count)
    }

    /// A CSV manifest with a split column: retrain-head trains on train/val rows, evaluate
    /// measures the test rows only.
    func testCSVManifestWithTestRows() throws {
        let work = try makeTemporaryDirectory("evaluate-csv", for: self)
        let cacheHome = work.appendingPathComponent("xdg")
        var lines = ["path,label,split"]
        var testRows = 0
        for (index, relative) in Fixtures.goodImages.enumerated() {
            let label = String(relative.split(separator: "/")[0])
            let split = index % 4 == 0 ? "test" : (index % 4 == 1 ? "val" : "")
            if split == "test" { testRows += 1 }
            // Relative paths are relative to the CSV's folder.
            lines.append("data/\(relative),\(label),\(split)")
        }
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("data"), withDestinationURL: Fixtures.dataset)
        let csv = work.appendingPathComponent("labels.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)

        let model = work.appendingPathComponent("run/model.h5")
        let train = try runTL(["retrain-head", csv.path, "--model", Fixtures.backbone.path, "--output", model.path, "--quiet"]
                              + Fixtures.trainingOptions, cacheHome: cacheHome)
        XCTAssertEqual(train.status, 0, train.transcript)
        let trainReport = try RunReport.read(from: model.deletingLastPathComponent().appendingPathComponent("report.json"))
        XCTAssertEqual(trainReport.dataset?.splits.map(\.name), ["train", "validation", "test"])
        XCTAssertEqual(trainReport.dataset?.splits.first { $0.name == "validation" }?.total, Fixtures.goodImages.count / 4)
        XCTAssertEqual(trainReport.metrics?.sampleCount, Fixtures.goodImages.count / 4, "validated on the val rows")

        let output = work.appendingPathComponent("eval")
        let run = try runTL(["evaluate", csv.path, "--model", model.path, "--output", output.path], cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = try RunReport.read(from: output.appendingPathComponent("report.json"))
        XCTAssertEqual(report.metrics?.sampleCount, testRows, "only the test rows")
        XCTAssertGreaterThanOrEqual(report.metrics?.accuracy ?? 0, 0.9)
    }

    func testAClassTheModelDoesNotKnowIsNamed() throws {
        let work = try makeTemporaryDirectory("evaluate-unknown", for: self)
        let data = work.appendingPathComponent("data")
        try Fixtures.writeDataset(at: data, imagesPerClass: 2, withBadFiles: false)
        try FileManager.default.moveItem(at: data.appendingPathComponent("red"), to: data.appendingPathComponent("green"))
        let run = try runTL(["evaluate", data.path, "--model", try Fixtures.trainedModel.path,
                             "--output", work.appendingPathComponent("eval").path], cacheHome: work)
        XCTAssertNotEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.errorMessageLines.first?.contains("'green'") ?? false, run.transcript)
    }
}
