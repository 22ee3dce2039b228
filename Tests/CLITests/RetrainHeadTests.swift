import CNN
import Foundation
import HDF5
import Imaging
import KerasFormat
import TransferLearning
import XCTest

/// `tl retrain-head` on the tiny backbone and the separable dataset.
final class RetrainHeadTests: XCTestCase {
    func testRetrainHeadWritesModelReportAndPlots() throws {
        let work = try makeTemporaryDirectory("retrain", for: self)
        let output = work.appendingPathComponent("run/model.h5")
        let run = try runTL(["retrain-head", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                             "--output", output.path, "--seed", "5"] + Fixtures.trainingOptions,
                            cacheHome: work.appendingPathComponent("cache"))
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.stdout.contains("model:   \(output.path)"), run.transcript)
        XCTAssertTrue(run.stdout.contains("skipped 3 unreadable image(s)"), run.transcript)
        // Each bad file is reported once on stderr, naming it.
        for bad in Fixtures.badFiles {
            let path = Fixtures.dataset.appendingPathComponent(bad).path
            XCTAssertEqual(run.stderrLines.filter { $0.contains("warning: skipped \(path)") }.count, 1, run.transcript)
        }
        // Without a terminal, one line per epoch goes to stderr.
        XCTAssertTrue(run.stderrLines.contains { $0.hasPrefix("epoch 1: loss ") }, run.transcript)

        let folder = output.deletingLastPathComponent()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, ["confusion_matrix.png", "model.h5", "report.json", "training_curves.png"],
                       "only the outputs, no temporary files, in the output folder")

        let report = try RunReport.read(from: folder.appendingPathComponent("report.json"))
        XCTAssertEqual(report.command, "retrain-head")
        XCTAssertEqual(report.seed, 5)
        XCTAssertFalse(report.epochs.isEmpty)
        XCTAssertEqual(report.epochs.map(\.epoch), Array(1...report.epochs.count))
        let metrics = try XCTUnwrap(report.metrics, "report.json has no validation metrics")
        XCTAssertGreaterThanOrEqual(metrics.accuracy, 0.9, "the two classes are separable")
        XCTAssertEqual(metrics.classNames, Fixtures.classNames)
        XCTAssertEqual(metrics.confusionMatrix.flatMap { $0 }.reduce(0, +), metrics.sampleCount)
        XCTAssertEqual(report.skippedFiles.map(\.path).sorted(),
                       Fixtures.badFiles.map { Fixtures.dataset.appendingPathComponent($0).path }.sorted())
        for issue in report.skippedFiles {
            XCTAssertFalse(issue.reason.isEmpty, "no reason for \(issue.path)")
        }
        let reasons = Dictionary(uniqueKeysWithValues: report.skippedFiles.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0.reason) })
        XCTAssertTrue(reasons["empty.png"]?.lowercased().contains("empty") ?? false, "\(reasons)")
        XCTAssertTrue(reasons["truncated.png"]?.lowercased().contains("truncated") ?? false, "\(reasons)")
        let dataset = try XCTUnwrap(report.dataset)
        XCTAssertEqual(dataset.classNames, Fixtures.classNames)
        XCTAssertEqual(dataset.splits.map(\.name), ["train", "validation"])
        // Every listed file (good and bad; .DS_Store ignored) is in exactly one split.
        XCTAssertEqual(dataset.splits.map(\.total).reduce(0, +), 2 * Fixtures.imagesPerClass + Fixtures.badFiles.count)
        XCTAssertEqual(dataset.splits.reduce(0) { $0 + ($1.countsPerClass["red"] ?? 0) }, Fixtures.imagesPerClass + 2)
        XCTAssertEqual(dataset.splits.reduce(0) { $0 + ($1.countsPerClass["blue"] ?? 0) }, Fixtures.imagesPerClass + 1)
        XCTAssertEqual(report.model?.sha256, try SHA256.hexDigest(ofFileAt: Fixtures.backbone.path))
        XCTAssertEqual(report.outputs["model"], output.path)

        // The plots are real PNGs.
        for plot in ["training_curves.png", "confusion_matrix.png"] {
            let image = try ImageDecoder().decode(contentsOf: folder.appendingPathComponent(plot))
            XCTAssertGreaterThan(image.width, 100, plot)
            XCTAssertGreaterThan(image.height, 100, plot)
        }

        // The model is a Keras full model with its class names, backbone + new head.
        let file = try KerasFile(path: output.path)
        XCTAssertEqual(file.layout, .fullModel)
        XCTAssertEqual(file.stringListAttribute(named: "class_names"), Fixtures.classNames)
        let model = try KerasLoader.loadFullModel(file)
        let layerNames = model.graph.layers.map(\.name)
        for name in Fixtures.stemLayers + Fixtures.blocks.flatMap(\.layers) + ["avg_pool", "predictions"] {
            XCTAssertTrue(layerNames.contains(name), "\(name) missing from \(layerNames)")
        }
        XCTAssertEqual(model.graph.outputShape, [2])
        // The backbone's weights are carried over unchanged.
        let backbone = try Fixtures.storedWeights(Fixtures.backbone)
        let saved = try Fixtures.storedWeights(output)
        for (key, tensor) in backbone {
            XCTAssertEqual(saved[key]?.scalars, tensor.scalars, "\(key) changed")
        }
        // And the stored blocks, so finetune can use the saved model.
        let blocks = try XCTUnwrap(try? HDF5.File(opening: output.path).stringAttribute(named: "tl_blocks"))
        XCTAssertEqual(blocks, Fixtures.blocksMetadata)
    }

    func testSecondRunTakesFeaturesFromTheCacheUntilAnImageChanges() throws {
        let work = try makeTemporaryDirectory("cache", for: self)
        let data = try Fixtures.copyOfDataset(in: work)
        let cacheHome = work.appendingPathComponent("xdg")
        func retrain(_ extra: [String]) throws -> RunResult {
            let run = try runTL(["retrain-head", data.path, "--model", Fixtures.backbone.path,
                                 "--output", work.appendingPathComponent("out/model.h5").path, "--quiet"] + extra,
                                cacheHome: cacheHome)
            XCTAssertEqual(run.status, 0, run.transcript)
            return run
        }
        let noPass = "features from the cache (no backbone pass)"

        let first = try retrain(["--epochs", "5"])
        XCTAssertFalse(first.stdout.contains(noPass), first.transcript)
        XCTAssertTrue(first.stdout.contains("backbone batches, 0 images from the cache"), first.transcript)
        let cacheFolder = cacheHome.appendingPathComponent("tl/features")
        let cacheFiles = try FileManager.default.contentsOfDirectory(atPath: cacheFolder.path)
        XCTAssertEqual(cacheFiles.filter { $0.hasPrefix("features-") && $0.hasSuffix(".h5") }.count, 1, "\(cacheFiles)")
        XCTAssertEqual(cacheFiles.filter { $0.hasPrefix(".") }, [], "no temporary file left in the cache")

        let second = try retrain(["--epochs", "3", "--l2", "0.01"])
        XCTAssertTrue(second.stdout.contains(noPass), second.transcript)
        XCTAssertTrue(second.stdout.contains("retrain-head: 3 epochs"), second.transcript)

        // A changed modification time makes that image's features stale.
        let touched = data.appendingPathComponent("red/red_03.png")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: touched.path)
        let third = try retrain(["--epochs", "3"])
        XCTAssertFalse(third.stdout.contains(noPass), third.transcript)
        XCTAssertTrue(third.stdout.contains("1 backbone batches, \(2 * Fixtures.imagesPerClass - 1) images from the cache"), third.transcript)

        // And the run after that finds the recomputed row.
        let fourth = try retrain(["--epochs", "2"])
        XCTAssertTrue(fourth.stdout.contains(noPass), fourth.transcript)

        // --no-cache neither reads nor writes it.
        let uncached = try retrain(["--epochs", "2", "--no-cache"])
        XCTAssertFalse(uncached.stdout.contains(noPass), uncached.transcript)
        XCTAssertTrue(uncached.stdout.contains("0 images from the cache"), uncached.transcript)
    }

    func testSameSeedGivesTheSameModelWithOrWithoutTheCache() throws {
        let work = try makeTemporaryDirectory("seed", for: self)
        let cacheHome = work.appendingPathComponent("xdg")
        var reports = [RunReport]()
        var weights = [[String: Tensor]]()
        for (index, extra) in [["--no-cache"], [], []].enumerated() {
            let output = work.appendingPathComponent("run\(index)/model.h5")
            let run = try runTL(["retrain-head", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                                 "--output", output.path, "--seed", "42", "--learning-rate", "0.05", "--batch-size", "8",
                                 "--epochs", "12", "--quiet"] + extra,
                                cacheHome: cacheHome)
            XCTAssertEqual(run.status, 0, run.transcript)
            reports.append(try RunReport.read(from: output.deletingLastPathComponent().appendingPathComponent("report.json")))
            weights.append(try Fixtures.storedWeights(output))
        }
        // Run 2 read the features run 1 cached; run 0 computed them without the cache.
        for index in 1..<3 {
            XCTAssertEqual(reports[index].metrics, reports[0].metrics, "metrics of run \(index)")
            XCTAssertEqual(reports[index].epochs.map(\.trainLoss), reports[0].epochs.map(\.trainLoss), "losses of run \(index)")
            XCTAssertEqual(reports[index].epochs.map(\.validationLoss), reports[0].epochs.map(\.validationLoss))
            XCTAssertEqual(Set(weights[index].keys), Set(weights[0].keys))
            for (key, tensor) in weights[0] {
                XCTAssertEqual(weights[index][key]?.shape, tensor.shape, key)
                XCTAssertEqual(weights[index][key]?.scalars, tensor.scalars, "\(key) differs in run \(index)")
            }
        }
        XCTAssertNotNil(weights[0]["predictions/kernel:0"], "\(weights[0].keys.sorted())")

        // Another seed gives another head (so the comparison above is not vacuous).
        let other = work.appendingPathComponent("other/model.h5")
        let run = try runTL(["retrain-head", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                             "--output", other.path, "--seed", "43", "--learning-rate", "0.05", "--batch-size", "8",
                             "--epochs", "12", "--quiet"], cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertNotEqual(try Fixtures.storedWeights(other)["predictions/kernel:0"]?.scalars,
                          weights[0]["predictions/kernel:0"]?.scalars)
    }
}
