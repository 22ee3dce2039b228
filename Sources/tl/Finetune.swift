import ArgumentParser
import CNN
import Foundation
import Imaging
import KerasFormat
import TransferLearning

/// Set by SIGINT; training stops after the current batch.
nonisolated(unsafe) var interruptRequested = false

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Medium data: start from the pretrained weights and also train the top N blocks of the network.",
        discussion: """
        The top N blocks (as `tl info` lists them, from the top) and the classifier train; everything below stays frozen, and batch normalization keeps its pretrained statistics unless --train-bn. Starts from the classifier of --from (a retrain-head output), or first trains a new classifier with the backbone frozen, then unfreezes, so that large gradients from a random head never reach the pretrained weights. Without augmentation, the activations entering the first unfrozen block are computed once, so each epoch runs only the top of the network. A checkpoint is written after every epoch (<output>.checkpoint/); --resume continues an interrupted run; Ctrl-C stops after the current batch.

        Examples:
          tl finetune slides/ --unfreeze 2 --output runs/ft/model.h5
          tl finetune slides/ --from runs/he/model.h5 --unfreeze 3 \\
              --augment flip,rot90,crop --epochs 15 --output m.h5
          tl finetune slides/ --unfreeze 3 --output m.h5 --resume
        """
    )

    @OptionGroup var dataOptions: DatasetOptionGroup
    @OptionGroup var modelOptions: ModelOptionGroup
    @OptionGroup var runOptions: RunOptionGroup
    @OptionGroup var input: InputOptionGroup

    @Option(name: .long, help: ArgumentHelp("How many blocks, counted from the top, to train.", valueName: "N"))
    var unfreeze: Int

    @Option(name: .long, help: ArgumentHelp("A model saved by retrain-head whose classifier to start from.", valueName: "file"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Where to save the fine-tuned model (.h5).", valueName: "file"))
    var output: String

    @Option(name: .long, help: "Fine-tuning epochs.")
    var epochs = 10
    @Option(name: .long, help: "Epochs of head-only training first (without --from).")
    var headEpochs = 20
    @Option(name: .long, help: "Adam learning rate (lower than for the head, so the pretrained weights move gently).")
    var learningRate: Float = 1e-4
    @Flag(name: .long, help: "Decay the learning rate along a cosine to 0.")
    var cosine = false
    @Option(name: .long, help: "Samples per training step.")
    var batchSize = 16
    @Option(name: .long, help: "L2 penalty on the trainable kernels (0 by default: it would pull pretrained weights towards zero).")
    var l2: Float = 0
    @Flag(name: .long, help: "Train batch normalization statistics too (only with large batches).")
    var trainBn = false
    @Option(name: .long, help: ArgumentHelp("Augmentations: \(Augmentation.acceptedNames.joined(separator: ",")) (none by default).", valueName: "list"))
    var augment: String?
    @Option(name: .long, help: "Seed for the split, the head, shuffling, dropout and augmentation.")
    var seed: UInt64 = 1
    @Flag(name: .long, help: "Continue from the checkpoint of an interrupted run with the same options.")
    var resume = false
    @Option(name: .long, help: ArgumentHelp("Feature cache for the head-training step (default ~/.cache/tl/features).", valueName: "folder"))
    var cacheDir: String?

    func validate() throws {
        guard unfreeze >= 0 else { throw ValidationError("--unfreeze must not be negative") }
        try validateTraining(epochs: epochs, batchSize: batchSize, learningRate: learningRate, l2: l2)
        if let augment { _ = try parseAugmentation(augment) }
        if let from, !FileManager.default.fileExists(atPath: from) { throw ValidationError("--from \(from): no such file") }
        if from != nil && modelOptions.model != nil { throw ValidationError("give either --from or --model, not both") }
    }

    func run() throws {
        runOptions.apply()
        let location = try OutputLocation(output)
        var report = RunReport(command: "finetune", arguments: Array(CommandLine.arguments.dropFirst()), tlVersion: tlVersion)
        report.seed = seed
        let dataset = try dataOptions.load(seed: seed)
        printDatasetSummary(dataset, quiet: runOptions.quiet)
        var options = modelOptions.modelOptions
        if let from { options.path = from }
        let backbone = try LoadedModel.load(options)
        if let from, backbone.classNames != dataset.classNames {
            throw CLIError("--from \(from): its classes \(backbone.classNames ?? []) differ from the dataset's \(dataset.classNames)")
        }
        report.model = ModelFingerprint(path: backbone.path, sha256: try backbone.sha256, architecture: backbone.architecture?.rawValue)

        var configuration = FineTuning.Configuration()
        configuration.unfreeze = unfreeze
        configuration.trainBatchNormalization = trainBn
        configuration.training.epochs = epochs
        configuration.training.learningRate = learningRate
        configuration.training.batchSize = batchSize
        configuration.training.l2 = l2
        configuration.training.cosineSchedule = cosine
        configuration.training.seed = seed
        configuration.headEpochs = headEpochs
        configuration.augmenter = try augment.map { Augmenter(try parseAugmentation($0), seed: seed) }
        configuration.cacheDirectory = cacheDir.map { URL(fileURLWithPath: $0) } ?? defaultCacheDirectory()
        configuration.strict = input.strict
        configuration.decoder = input.decoder
        let spec = InputSpec(width: backbone.inputSize.width, height: backbone.inputSize.height, resizeMode: input.resizeMode)
        let checkpoint = URL(fileURLWithPath: location.model.path + ".checkpoint")
        if !resume, FileManager.default.fileExists(atPath: checkpoint.path) {
            try FileManager.default.removeItem(at: checkpoint)
        }

        signal(SIGINT) { _ in interruptRequested = true }
        // Test hook (Tests/CLITests): TL_TEST_STOP_AFTER_EPOCHS=N acts as Ctrl-C once epoch N is
        // checkpointed, so the interrupt-and-resume path is tested without timing.
        let stopAfterEpochs = ProcessInfo.processInfo.environment["TL_TEST_STOP_AFTER_EPOCHS"].flatMap { Int($0) }
        var bars = [String: ProgressBar]()
        var warned = Set<String>()
        let result = try FineTuning(backbone: backbone, dataset: dataset, spec: spec, configuration: configuration)
            .run(checkpoint: checkpoint, resume: resume, progress: { stage, done, total in
                let bar = bars[stage] ?? ProgressBar(stage, total: total, unit: stage == "fine-tuning" || stage == "training" ? "epochs" : "images",
                                                     quiet: runOptions.quiet)
                if bars[stage] == nil {
                    // A new stage: the previous ones are over.
                    for (name, other) in bars where name != stage { other.finish() }
                    bars = bars.filter { $0.key == stage }
                }
                bars[stage] = bar
                bar.advance(by: done - bar.done)
            }, onSkip: { skipped in
                if warned.insert(skipped.path).inserted { warn("warning: skipped \(skipped.path): \(skipped.reason)") }
            }, onEpoch: { record in
                if let stopAfterEpochs, record.epoch >= stopAfterEpochs { interruptRequested = true }
                if !runOptions.quiet && isatty(STDERR_FILENO) == 0 { warn(epochLine(record)) }
            }, shouldStop: { interruptRequested })
        bars.values.forEach { $0.finish() }
        if result.interrupted {
            warn("interrupted: the checkpoint after epoch \(result.history.count) is in \(checkpoint.path); continue with the same command and --resume")
            throw ExitCode(130)
        }

        try KerasWriter.save(result.model, to: location.model.path,
                             metadata: ModelComposer.metadata(classNames: dataset.classNames, backbone: backbone))
        try? FileManager.default.removeItem(at: checkpoint)
        let history = result.headHistory + result.history
        report.stages = result.stages
        report.hyperparameters = [
            "unfreeze": "\(unfreeze)", "epochs": "\(epochs)", "head_epochs": "\(headEpochs)", "learning_rate": "\(learningRate)",
            "cosine": "\(cosine)", "batch_size": "\(batchSize)", "l2": "\(l2)", "train_bn": "\(trainBn)",
            "augment": augment ?? "none", "from": from ?? "none", "activation_cache": "\(result.usedActivationCache)",
            "trainable_layers": "\(result.trainableLayers.count)", "optimizer": "adam",
        ]
        report.dataset = datasetReport(dataset, source: dataOptions.data)
        report.skippedFiles = result.skipped.map { FileIssue(path: $0.path, reason: $0.reason) }
        report.epochs = history
        report.metrics = result.validationMetrics
        report.outputs = ["model": location.model.path, "report": location.report.path, "training_curves": location.curves.path]
        try TrainingCurvesChart(history: history, title: "finetune --unfreeze \(unfreeze)",
                                fineTuningStart: result.headHistory.isEmpty ? nil : result.headHistory.count + 1).write(to: location.curves)
        if let metrics = result.validationMetrics {
            try ConfusionMatrixChart(metrics, title: "Validation confusion matrix").write(to: location.confusion)
            report.outputs["confusion_matrix"] = location.confusion.path
        }
        report.finishedAt = Date()
        try report.write(to: location.report)

        print("finetune: \(result.history.count) epochs with the top \(unfreeze) block(s) unfrozen (\(result.trainableLayers.count) trainable layers)\(result.usedActivationCache ? ", activations cached" : "")")
        if let metrics = result.validationMetrics { print(metrics.summaryText) }
        print("model:   \(location.model.path)")
        print("report:  \(location.report.path)")
    }
}
