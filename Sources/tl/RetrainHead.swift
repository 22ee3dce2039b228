import ArgumentParser
import CNN
import Foundation
import Imaging
import KerasFormat
import TransferLearning

struct RetrainHead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain-head",
        abstract: "Small data: freeze the pretrained network and train only a new softmax classifier on its features.",
        discussion: """
        The backbone's features are computed once and cached (keyed by the model's SHA-256, the layer, the input settings and each image's path, size and modification time), so a second run with other hyper-parameters does no forward pass through the backbone. The output is a complete Keras model (backbone + new classifier) with the class names stored in it; report.json, training_curves.png and confusion_matrix.png are written beside it.

        Examples:
          tl retrain-head slides/ --output runs/he/model.h5
          tl retrain-head slides/ --output m.h5 \\
              --model resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5
          tl retrain-head labels.csv --class-weight balanced \\
              --augment-views 4 --augment flip,rot90 --output m.h5
        """
    )

    @OptionGroup var dataOptions: DatasetOptionGroup
    @OptionGroup var modelOptions: ModelOptionGroup
    @OptionGroup var runOptions: RunOptionGroup
    @OptionGroup var input: InputOptionGroup

    @Option(name: .long, help: ArgumentHelp("Where to save the trained model (.h5).", valueName: "file"))
    var output: String

    @Option(name: .long, help: "Training epochs (early stopping may end sooner).")
    var epochs = 50
    @Option(name: .long, help: "Samples per training step.")
    var batchSize = 32
    @Option(name: .long, help: "Adam learning rate.")
    var learningRate: Float = 1e-3
    @Option(name: .long, help: "L2 penalty on the classifier's weights (Keras kernel_regularizer=l2).")
    var l2: Float = 1e-4
    @Option(name: .long, help: "Dropout before the classifier (0 for none).")
    var dropout: Float = 0.2
    @Option(name: .long, help: ArgumentHelp("Add a hidden ReLU layer of this many units before the classifier.", valueName: "units"))
    var hidden: Int?
    @Option(name: .long, help: "none, or balanced: weight each class by n / (classes × n_class), for imbalanced data.")
    var classWeight = "none"
    @Option(name: .long, help: "Stop after this many epochs without a lower validation loss (keeps the best weights).")
    var patience = 8
    @Option(name: .long, help: "Label smoothing of the cross-entropy.")
    var labelSmoothing: Float = 0
    @Option(name: .long, help: "Seed for the split, the initialization, shuffling, dropout and augmentation.")
    var seed: UInt64 = 1
    @Option(name: .long, help: ArgumentHelp("Take features from this layer instead of the pooled output before the classifier.", valueName: "name"))
    var layer: String?
    @Option(name: .long, help: "How a spatial feature map becomes a vector: avg or max.")
    var pool: FeaturePooling = .avg
    @Option(name: .long, help: ArgumentHelp("Also cache K seeded augmented views of each training image and train on them.", valueName: "K"))
    var augmentViews = 0
    @Option(name: .long, help: ArgumentHelp("Augmentations for the views: \(Augmentation.acceptedNames.joined(separator: ",")).", valueName: "list"))
    var augment = "flip,rot90"
    @Option(name: .long, help: ArgumentHelp("Feature cache folder (default ~/.cache/tl/features).", valueName: "folder"))
    var cacheDir: String?
    @Flag(name: .long, help: "Do not read or write the feature cache.")
    var noCache = false

    func validate() throws {
        try validateTraining(epochs: epochs, batchSize: batchSize, learningRate: learningRate, l2: l2)
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be at least 0 and below 1") }
        guard ["none", "balanced"].contains(classWeight) else { throw ValidationError("--class-weight must be none or balanced") }
        guard augmentViews >= 0 else { throw ValidationError("--augment-views must not be negative") }
        // Checked even without --augment-views, so a misspelt name is not silently ignored.
        _ = try parseAugmentation(augment)
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1") }
    }

    func run() throws {
        runOptions.apply()
        let location = try OutputLocation(output)
        var report = RunReport(command: "retrain-head", arguments: Array(CommandLine.arguments.dropFirst()), tlVersion: tlVersion)
        report.seed = seed
        let dataset = try report.timing("dataset") { try dataOptions.load(seed: seed) }
        printDatasetSummary(dataset, quiet: runOptions.quiet)
        let backbone = try report.timing("model") { try LoadedModel.load(modelOptions.modelOptions) }
        report.model = ModelFingerprint(path: backbone.path, sha256: try backbone.sha256, architecture: backbone.architecture?.rawValue)

        var configuration = HeadRetraining.Configuration()
        configuration.layer = layer
        configuration.pooling = pool
        configuration.head = HeadOptions(hiddenUnits: hidden, dropout: dropout)
        configuration.training.epochs = epochs
        configuration.training.batchSize = batchSize
        configuration.training.learningRate = learningRate
        configuration.training.l2 = l2
        configuration.training.labelSmoothing = labelSmoothing
        configuration.training.patience = patience
        configuration.training.seed = seed
        configuration.balancedClassWeights = classWeight == "balanced"
        configuration.augmentViews = augmentViews
        if augmentViews > 0 { configuration.augmenter = Augmenter(try parseAugmentation(augment), seed: seed) }
        configuration.cacheDirectory = noCache ? nil : (cacheDir.map { URL(fileURLWithPath: $0) } ?? defaultCacheDirectory())
        configuration.strict = input.strict
        configuration.decoder = input.decoder
        let spec = InputSpec(width: backbone.inputSize.width, height: backbone.inputSize.height, resizeMode: input.resizeMode)

        let job = HeadRetraining(backbone: backbone, dataset: dataset, spec: spec, configuration: configuration)
        var bars = [String: ProgressBar]()
        let result = try job.run(progress: { stage, done, total in
            let bar = bars[stage] ?? ProgressBar(stage == "features" ? "features" : "training", total: total,
                                                 unit: stage == "features" ? "images" : "epochs", quiet: runOptions.quiet)
            if bars[stage] == nil {
                // A new stage: the previous ones are over.
                for (name, other) in bars where name != stage { other.finish() }
                bars = bars.filter { $0.key == stage }
            }
            bars[stage] = bar
            bar.advance(by: done - bar.done)
        }, onSkip: { skipped in
            warn("warning: skipped \(skipped.path): \(skipped.reason)")
        }, onEpoch: { record in
            if !runOptions.quiet && isatty(STDERR_FILENO) == 0 { warn(epochLine(record)) }
        })
        bars.values.forEach { $0.finish() }

        try KerasWriter.save(result.model, to: location.model.path,
                             metadata: ModelComposer.metadata(classNames: dataset.classNames, backbone: backbone))
        report.stages += result.stages
        report.hyperparameters = hyperparameters()
        report.dataset = datasetReport(dataset, source: dataOptions.data)
        report.skippedFiles = result.skipped.map { FileIssue(path: $0.path, reason: $0.reason) }
        report.epochs = result.history
        report.metrics = result.validationMetrics
        report.outputs = ["model": location.model.path, "report": location.report.path, "training_curves": location.curves.path]
        try TrainingCurvesChart(history: result.history, title: "retrain-head: \(dataset.classNames.count) classes").write(to: location.curves)
        if let metrics = result.validationMetrics {
            try ConfusionMatrixChart(metrics, title: "Validation confusion matrix").write(to: location.confusion)
            report.outputs["confusion_matrix"] = location.confusion.path
        }
        report.finishedAt = Date()
        try report.write(to: location.report)

        print("retrain-head: \(result.history.count) epochs; features from \(result.forwardPasses == 0 ? "the cache (no backbone pass)" : "\(result.forwardPasses) backbone batches, \(result.cacheHits) images from the cache")")
        if let metrics = result.validationMetrics { print(metrics.summaryText) }
        if !result.skipped.isEmpty { print("skipped \(result.skipped.count) unreadable image(s), listed in report.json") }
        print("model:   \(location.model.path)")
        print("report:  \(location.report.path)")
    }

    func hyperparameters() -> [String: String] {
        ["epochs": "\(epochs)", "batch_size": "\(batchSize)", "learning_rate": "\(learningRate)", "l2": "\(l2)",
         "dropout": "\(dropout)", "hidden": hidden.map(String.init) ?? "none", "class_weight": classWeight,
         "patience": "\(patience)", "label_smoothing": "\(labelSmoothing)", "layer": layer ?? "(pooled features)",
         "pool": pool.rawValue, "augment_views": "\(augmentViews)", "augment": augmentViews > 0 ? augment : "none",
         "resize": input.resize, "optimizer": "adam"]
    }
}

func parseAugmentation(_ text: String) throws -> Augmentation {
    do { return try Augmentation(parsing: text) } catch { throw ValidationError(error.localizedDescription) }
}

func epochLine(_ record: EpochRecord) -> String {
    var line = String(format: "epoch %d: loss %.4f, accuracy %.3f", record.epoch, record.trainLoss, record.trainAccuracy)
    if let loss = record.validationLoss, let accuracy = record.validationAccuracy {
        line += String(format: "; validation loss %.4f, accuracy %.3f", loss, accuracy)
    }
    return line + String(format: " (%.1fs)", record.seconds)
}

func datasetReport(_ dataset: Dataset, source: String) -> TransferLearning.DatasetSummary {
    var splits = [SplitSummary(name: "train", labels: dataset.train.compactMap(\.label), classNames: dataset.classNames)]
    if !dataset.validation.isEmpty {
        splits.append(SplitSummary(name: "validation", labels: dataset.validation.compactMap(\.label), classNames: dataset.classNames))
    }
    if !dataset.test.isEmpty {
        splits.append(SplitSummary(name: "test", labels: dataset.test.compactMap(\.label), classNames: dataset.classNames))
    }
    // The listing counts ignored files rather than keeping their paths; the report says how many of each kind.
    var ignored = [FileIssue]()
    if dataset.ignored.hidden > 0 {
        ignored.append(FileIssue(path: source, reason: "\(dataset.ignored.hidden) hidden file(s) or folder(s) ignored"))
    }
    for (suffix, count) in dataset.ignored.unsupported.sorted(by: { $0.key < $1.key }) {
        ignored.append(FileIssue(path: source, reason: "\(count) file(s) \(suffix.isEmpty ? "without extension" : "with extension .\(suffix)") ignored (not PNG or JPEG)"))
    }
    if dataset.ignored.outsideClassFolders > 0 {
        ignored.append(FileIssue(path: source, reason: "\(dataset.ignored.outsideClassFolders) file(s) beside the class folders ignored"))
    }
    return TransferLearning.DatasetSummary(source: source, classNames: dataset.classNames, splits: splits, ignoredFiles: ignored)
}
