import Foundation
import XCTest

/// One object of `tl predict --format json`.
struct PredictionRow: Decodable {
    struct Entry: Decodable {
        var label: String
        var index: Int
        var probability: Double
    }
    var path: String
    var predictions: [Entry]?
    var error: String?
}

func decodePredictions(_ run: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> [PredictionRow] {
    do {
        return try JSONDecoder().decode([PredictionRow].self, from: Data(run.stdout.utf8))
    } catch {
        XCTFail("stdout is not the documented JSON array: \(error)\n\(run.transcript)", file: file, line: line)
        throw error
    }
}

/// `tl predict` with a model trained by retrain-head.
final class PredictTests: XCTestCase {
    var cacheHome: URL!

    override func setUpWithError() throws {
        cacheHome = try makeTemporaryDirectory("predict-cache", for: self)
    }

    /// Two good images of each class and one bad file, in an order that is not sorted.
    var inputs: [URL] {
        ["red/red_05.png", "blue/blue_00.png", "red/notes.png", "red/red_12.png", "blue/blue_09.png"]
            .map { Fixtures.dataset.appendingPathComponent($0) }
    }

    func testJSONHasOneObjectPerInputInOrder() throws {
        let model = try Fixtures.trainedModel
        let run = try runTL(["predict"] + inputs.map(\.path) + ["--model", model.path, "--format", "json", "--top", "2"],
                            cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, "one unreadable file among good ones is not a failure\n\(run.transcript)")
        let rows = try decodePredictions(run)
        XCTAssertEqual(rows.map(\.path), inputs.map(\.path))
        for (row, input) in zip(rows, inputs) {
            if input.lastPathComponent == "notes.png" {
                XCTAssertNil(row.predictions, "a bad file has no predictions")
                XCTAssertFalse(row.error?.isEmpty ?? true, "a bad file has an error")
                continue
            }
            XCTAssertNil(row.error)
            let predictions = try XCTUnwrap(row.predictions)
            XCTAssertEqual(predictions.count, 2)
            XCTAssertEqual(Set(predictions.map(\.label)), Set(Fixtures.classNames))
            XCTAssertGreaterThanOrEqual(predictions[0].probability, predictions[1].probability)
            XCTAssertEqual(predictions.map(\.probability).reduce(0, +), 1, accuracy: 1e-4)
            for prediction in predictions {
                XCTAssertEqual(Fixtures.classNames[prediction.index], prediction.label)
            }
            let truth = input.deletingLastPathComponent().lastPathComponent
            XCTAssertEqual(predictions[0].label, truth, "\(input.lastPathComponent) is \(truth)")
        }
        // The bad file is named on stderr, with the summary.
        XCTAssertTrue(run.stderr.contains("warning: skipped \(inputs[2].path)"), run.transcript)
        XCTAssertTrue(run.stderr.contains("1 of 5 images could not be read"), run.transcript)
    }

    func testCSVAndTableFormats() throws {
        let model = try Fixtures.trainedModel
        let csv = try runTL(["predict"] + inputs.map(\.path) + ["--model", model.path, "--format", "csv"], cacheHome: cacheHome)
        XCTAssertEqual(csv.status, 0, csv.transcript)
        let lines = csv.stdoutLines
        XCTAssertEqual(lines.first, "path,rank,label,index,probability,error")
        // --top defaults to 5 but there are only 2 classes: 2 rows per good image, 1 per bad one.
        XCTAssertEqual(lines.count, 1 + 4 * 2 + 1, csv.transcript)
        for line in lines.dropFirst() {
            XCTAssertEqual(line.split(separator: ",", omittingEmptySubsequences: false).count, 6, line)
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix(inputs[2].path + ",,,,,") }, csv.transcript)
        XCTAssertTrue(lines.contains { $0.hasPrefix(inputs[0].path + ",1,red,1,") }, csv.transcript)

        let table = try runTL(["predict"] + inputs.map(\.path) + ["--model", model.path], cacheHome: cacheHome)
        XCTAssertEqual(table.status, 0, table.transcript)
        for input in inputs { XCTAssertTrue(table.stdout.contains(input.path), table.transcript) }
        XCTAssertTrue(table.stdout.contains("%  red (1)"), table.transcript)
        XCTAssertTrue(table.stdout.contains("%  blue (0)"), table.transcript)
        XCTAssertTrue(table.stdout.contains("  error: "), table.transcript)
    }

    func testAFolderIsSearchedRecursively() throws {
        let model = try Fixtures.trainedModel
        let run = try runTL(["predict", Fixtures.dataset.path, "--model", model.path, "--format", "json", "--top", "1"],
                            cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        let rows = try decodePredictions(run)
        XCTAssertEqual(rows.count, Fixtures.goodImages.count + Fixtures.badFiles.count)
        XCTAssertEqual(rows.filter { $0.error != nil }.count, Fixtures.badFiles.count)
        XCTAssertFalse(rows.contains { $0.path.contains(".DS_Store") })
    }

    func testOnlyBadFilesFails() throws {
        let model = try Fixtures.trainedModel
        let bad = Fixtures.badFiles.map { Fixtures.dataset.appendingPathComponent($0).path }
        let run = try runTL(["predict"] + bad + ["--model", model.path, "--format", "json"], cacheHome: cacheHome)
        XCTAssertNotEqual(run.status, 0, "nothing could be classified\n\(run.transcript)")
        let rows = try decodePredictions(run)
        XCTAssertEqual(rows.map(\.path), bad)
        XCTAssertTrue(rows.allSatisfy { $0.predictions == nil && $0.error != nil })
    }

    func testABackboneWithoutClassifierIsRefused() throws {
        let run = try runTL(["predict", inputs[0].path, "--model", Fixtures.backbone.path], cacheHome: cacheHome)
        XCTAssertNotEqual(run.status, 0, run.transcript)
        XCTAssertEqual(run.stdout, "", run.transcript)
        XCTAssertEqual(run.stderrLines.count, 1, "one line\n\(run.transcript)")
        XCTAssertTrue(run.stderr.contains("no classifier"), run.transcript)
        XCTAssertTrue(run.stderr.contains(Fixtures.backbone.path), run.transcript)
    }
}
