import CNN
import Foundation
import KerasFormat
import TransferLearning
import XCTest

/// `tl finetune` from a retrain-head model: what trains, what stays frozen, and --resume.
final class FinetuneTests: XCTestCase {
    func finetune(_ output: URL, _ extra: [String], cacheHome: URL, environment: [String: String] = [:]) throws -> RunResult {
        try runTL(["finetune", Fixtures.dataset.path, "--from", try Fixtures.trainedModel.path,
                   "--output", output.path, "--seed", "9", "--quiet"] + extra,
                  cacheHome: cacheHome, environment: environment)
    }

    func testUnfreezingTheTopBlockTrainsOnlyItAndTheHead() throws {
        let work = try makeTemporaryDirectory("finetune", for: self)
        let output = work.appendingPathComponent("ft/model.h5")
        let run = try finetune(output, ["--unfreeze", "1", "--epochs", "2", "--learning-rate", "0.01"],
                               cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.stdout.contains("finetune: 2 epochs with the top 1 block(s) unfrozen"), run.transcript)
        XCTAssertTrue(run.stdout.contains("activations cached"), run.transcript)
        let folder = output.deletingLastPathComponent()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                       ["confusion_matrix.png", "model.h5", "report.json", "training_curves.png"],
                       "the outputs only: no temporary files, and the checkpoint is removed after success")
        let report = try RunReport.read(from: folder.appendingPathComponent("report.json"))
        XCTAssertEqual(report.epochs.count, 2, "with --from, no head-only epochs")
        XCTAssertEqual(report.hyperparameters["unfreeze"], "1")
        XCTAssertNotNil(report.metrics)

        let before = try Fixtures.storedWeights(try Fixtures.trainedModel)
        let after = try Fixtures.storedWeights(output)
        XCTAssertEqual(Set(before.keys), Set(after.keys))
        let topBlock = Set(Fixtures.blocks.last!.layers)
        let head = Set(["predictions"])
        var changed = Set<String>()
        for (key, tensor) in before {
            let layer = Fixtures.layerName(ofWeight: key)
            let isMovingStatistic = key.contains("moving_mean") || key.contains("moving_variance")
            let same = after[key]?.scalars == tensor.scalars
            if (topBlock.contains(layer) || head.contains(layer)) && !isMovingStatistic {
                XCTAssertFalse(same, "\(key) should have trained")
                changed.insert(layer)
            } else {
                XCTAssertTrue(same, "\(key) should be identical bit for bit"
                              + (isMovingStatistic ? " (BN statistics stay frozen without --train-bn)" : ""))
            }
        }
        XCTAssertEqual(changed, topBlock.subtracting(["b2_relu"]).union(head))
        XCTAssertEqual(try KerasFile(path: output.path).stringListAttribute(named: "class_names"), Fixtures.classNames)
    }

    func testTrainBNUpdatesTheMovingStatistics() throws {
        let work = try makeTemporaryDirectory("finetune-bn", for: self)
        let output = work.appendingPathComponent("ft/model.h5")
        let run = try finetune(output, ["--unfreeze", "1", "--epochs", "1", "--train-bn"], cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertEqual(run.status, 0, run.transcript)
        let before = try Fixtures.storedWeights(try Fixtures.trainedModel)
        let after = try Fixtures.storedWeights(output)
        XCTAssertNotEqual(after["b2_bn/moving_mean:0"]?.scalars, before["b2_bn/moving_mean:0"]?.scalars)
        XCTAssertEqual(after["b1_bn/moving_mean:0"]?.scalars, before["b1_bn/moving_mean:0"]?.scalars)
        XCTAssertEqual(after["stem_bn/moving_variance:0"]?.scalars, before["stem_bn/moving_variance:0"]?.scalars)
    }

    func testUnfreezingMoreBlocksThanExistIsOneClearError() throws {
        let work = try makeTemporaryDirectory("finetune-99", for: self)
        let output = work.appendingPathComponent("ft/model.h5")
        let run = try finetune(output, ["--unfreeze", "99", "--epochs", "1"], cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertNotEqual(run.status, 0, run.transcript)
        let message = run.errorMessageLines
        XCTAssertEqual(message.count, 1, "one line\n\(run.transcript)")
        XCTAssertTrue(message.first?.contains("--unfreeze 99") ?? false, run.transcript)
        XCTAssertTrue(message.first?.contains("the \(Fixtures.blocks.count) blocks") ?? false, run.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    /// An interrupted run resumed with --resume ends with exactly the weights of an
    /// uninterrupted one: the checkpoint holds the weights, the optimizer's moments and
    /// iteration count and the history, and shuffling and dropout depend only on (seed, epoch).
    func testResumeAfterAnInterruptionGivesTheSameWeights() throws {
        let work = try makeTemporaryDirectory("resume", for: self)
        let cacheHome = work.appendingPathComponent("xdg")
        let arguments = ["--unfreeze", "1", "--epochs", "4", "--learning-rate", "0.005"]

        let straight = work.appendingPathComponent("a/model.h5")
        let a = try finetune(straight, arguments, cacheHome: cacheHome)
        XCTAssertEqual(a.status, 0, a.transcript)

        let resumed = work.appendingPathComponent("b/model.h5")
        let interrupted = try finetune(resumed, arguments, cacheHome: cacheHome, environment: ["TL_TEST_STOP_AFTER_EPOCHS": "2"])
        XCTAssertEqual(interrupted.status, 130, "the exit status of Ctrl-C\n\(interrupted.transcript)")
        XCTAssertTrue(interrupted.stderr.contains("after epoch 2"), interrupted.transcript)
        XCTAssertTrue(interrupted.stderr.contains("--resume"), interrupted.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: resumed.path), "no model is saved by an interrupted run")
        let checkpoint = URL(fileURLWithPath: resumed.path + ".checkpoint")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: checkpoint.path).sorted(), ["model.h5", "state.h5"])

        let b = try finetune(resumed, arguments + ["--resume"], cacheHome: cacheHome)
        XCTAssertEqual(b.status, 0, b.transcript)
        XCTAssertTrue(b.stdout.contains("finetune: 4 epochs"), b.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path), "the checkpoint is removed after success")

        let reportA = try RunReport.read(from: straight.deletingLastPathComponent().appendingPathComponent("report.json"))
        let reportB = try RunReport.read(from: resumed.deletingLastPathComponent().appendingPathComponent("report.json"))
        XCTAssertEqual(reportB.epochs.map(\.trainLoss), reportA.epochs.map(\.trainLoss))
        XCTAssertEqual(reportB.epochs.map(\.validationLoss), reportA.epochs.map(\.validationLoss))
        XCTAssertEqual(reportB.metrics, reportA.metrics)

        let weightsA = try Fixtures.storedWeights(straight)
        let weightsB = try Fixtures.storedWeights(resumed)
        XCTAssertEqual(Set(weightsA.keys), Set(weightsB.keys))
        for (key, tensor) in weightsA {
            XCTAssertEqual(weightsB[key]?.scalars, tensor.scalars, "\(key) differs after resuming")
        }
        // Training did move the weights (else the equality proves nothing).
        XCTAssertNotEqual(weightsA["b2_conv/kernel:0"]?.scalars,
                          try Fixtures.storedWeights(try Fixtures.trainedModel)["b2_conv/kernel:0"]?.scalars)
    }

    /// With augmentation, images are decoded in every epoch (no activation cache): bad files
    /// are left out and reported, not fatal, and an interrupted run still resumes exactly.
    func testAugmentedFineTuningSkipsBadFilesAndResumesExactly() throws {
        let work = try makeTemporaryDirectory("finetune-augment", for: self)
        let cacheHome = work.appendingPathComponent("xdg")
        let arguments = ["--unfreeze", "1", "--epochs", "3", "--learning-rate", "0.005", "--augment", "flip,rot90", "--batch-size", "8"]

        let straight = work.appendingPathComponent("a/model.h5")
        let a = try finetune(straight, arguments, cacheHome: cacheHome)
        XCTAssertEqual(a.status, 0, a.transcript)
        XCTAssertFalse(a.stdout.contains("activations cached"), a.transcript)
        let report = try RunReport.read(from: straight.deletingLastPathComponent().appendingPathComponent("report.json"))
        XCTAssertEqual(report.hyperparameters["activation_cache"], "false")
        XCTAssertEqual(report.skippedFiles.map(\.path).sorted(),
                       Fixtures.badFiles.map { Fixtures.dataset.appendingPathComponent($0).path }.sorted())
        for bad in Fixtures.badFiles {
            let path = Fixtures.dataset.appendingPathComponent(bad).path
            XCTAssertEqual(a.stderrLines.filter { $0.contains("warning: skipped \(path)") }.count, 1, a.transcript)
        }

        let resumed = work.appendingPathComponent("b/model.h5")
        let interrupted = try finetune(resumed, arguments, cacheHome: cacheHome, environment: ["TL_TEST_STOP_AFTER_EPOCHS": "1"])
        XCTAssertEqual(interrupted.status, 130, interrupted.transcript)
        let b = try finetune(resumed, arguments + ["--resume"], cacheHome: cacheHome)
        XCTAssertEqual(b.status, 0, b.transcript)
        let weightsA = try Fixtures.storedWeights(straight)
        let weightsB = try Fixtures.storedWeights(resumed)
        for (key, tensor) in weightsA {
            XCTAssertEqual(weightsB[key]?.scalars, tensor.scalars, "\(key) differs after resuming")
        }
    }

    func testResumeWithoutACheckpointStartsFromTheBeginning() throws {
        let work = try makeTemporaryDirectory("resume-none", for: self)
        let output = work.appendingPathComponent("c/model.h5")
        let run = try finetune(output, ["--unfreeze", "1", "--epochs", "1", "--resume"], cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.stdout.contains("finetune: 1 epochs"), run.transcript)
    }

    /// Both blocks of a miniature ResNet fine-tuned after the head and the activation cache ran
    /// it fused for inference: the training run must undo the fused sums (it once skipped the
    /// shortcut's BN and stopped with "input node … was not computed").
    func testResidualBlocksFineTuneAfterInference() throws {
        let work = try makeTemporaryDirectory("finetune-residual", for: self)
        let backbone = work.appendingPathComponent("residual.h5")
        try ResidualBackbone.write(to: backbone)
        let output = work.appendingPathComponent("r/model.h5")
        let run = try runTL(["finetune", Fixtures.dataset.path, "--model", backbone.path, "--output", output.path,
                             "--unfreeze", "2", "--epochs", "2", "--head-epochs", "3", "--quiet"],
                            cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = try RunReport.read(from: output.deletingLastPathComponent().appendingPathComponent("report.json"))
        XCTAssertEqual(report.epochs.count, 3 + 2, "head epochs, then fine-tuning epochs")
        let before = try Fixtures.storedWeights(backbone)
        let after = try Fixtures.storedWeights(output)
        XCTAssertEqual(after["stem_conv/kernel:0"]?.scalars, before["stem_conv/kernel:0"]?.scalars, "the stem stays frozen")
        for layer in ["r1_0_conv", "r1_3_conv", "r2_3_conv"] {
            XCTAssertNotEqual(after["\(layer)/kernel:0"]?.scalars, before["\(layer)/kernel:0"]?.scalars, "\(layer) trained")
        }
    }

    func testWithoutFromTrainsAHeadFirst() throws {
        let work = try makeTemporaryDirectory("finetune-nofrom", for: self)
        let output = work.appendingPathComponent("d/model.h5")
        let run = try runTL(["finetune", Fixtures.dataset.path, "--model", Fixtures.backbone.path, "--output", output.path,
                             "--unfreeze", "2", "--epochs", "1", "--head-epochs", "3", "--quiet"],
                            cacheHome: work.appendingPathComponent("xdg"))
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = try RunReport.read(from: output.deletingLastPathComponent().appendingPathComponent("report.json"))
        XCTAssertEqual(report.epochs.count, 3 + 1, "head epochs, then fine-tuning epochs")
        let before = try Fixtures.storedWeights(Fixtures.backbone)
        let after = try Fixtures.storedWeights(output)
        XCTAssertEqual(after["stem_conv/kernel:0"]?.scalars, before["stem_conv/kernel:0"]?.scalars)
        XCTAssertNotEqual(after["b1_conv/kernel:0"]?.scalars, before["b1_conv/kernel:0"]?.scalars)
    }
}
