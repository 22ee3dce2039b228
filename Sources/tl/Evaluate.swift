import ArgumentParser
import CNN
import Foundation
import Imaging
import TransferLearning

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a trained model on labeled images: accuracy, sensitivity, specificity, F1, ROC AUC, confusion matrix.",
        discussion: """
        DATA is a folder with one sub-folder per class or a CSV manifest (if the CSV has a split column, its test rows are used, else every row). Classes are matched to the model's class names by name. report.json and confusion_matrix.png go to --output.

        Examples:
          tl evaluate held_out/ --model runs/he/model.h5
          tl evaluate labels.csv --model model.h5 --output runs/he/test
        """
    )

    @Argument(help: ArgumentHelp("Labeled images: a class-folder dataset or a CSV manifest.", valueName: "data"))
    var data: String

    @OptionGroup var modelOptions: ModelOptionGroup
    @OptionGroup var runOptions: RunOptionGroup
    @OptionGroup var input: InputOptionGroup

    @Option(name: .long, help: ArgumentHelp("Folder for report.json and confusion_matrix.png.", valueName: "folder"))
    var output = "evaluation"


    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 32


    func validate() throws {
        guard FileManager.default.fileExists(atPath: data) else { throw ValidationError("\(data): no such folder or file") }
    }

    func run() throws {
        runOptions.apply()
        var report = RunReport(command: "evaluate", arguments: Array(CommandLine.arguments.dropFirst()), tlVersion: tlVersion)
        let dataset = try DatasetLoader(validationSplit: 0).load(from: URL(fileURLWithPath: data))
        let items = dataset.test.isEmpty ? dataset.train + dataset.validation : dataset.test
        let model = try LoadedModel.load(modelOptions.modelOptions)
        let predictor = try Predictor(model: model)
        report.model = ModelFingerprint(path: model.path, sha256: try model.sha256, architecture: model.architecture?.rawValue)
        // The dataset's class k is the model's class mapping[k].
        let mapping: [Int] = try dataset.classNames.map { name in
            guard let index = predictor.classNames.firstIndex(of: name) else {
                throw CLIError("class '\(name)' of \(data) is not one of the model's classes (\(predictor.classNames.prefix(10).joined(separator: ", ")))")
            }
            return index
        }
        let outputFolder = URL(fileURLWithPath: output)
        try createOutputFolder(outputFolder, for: "--output \(output)")

        let spec = InputSpec(width: model.inputSize.width, height: model.inputSize.height, resizeMode: input.resizeMode)
        let loader = BatchLoader(items: items, pipeline: ImagePipeline(spec: spec, decoder: input.decoder), batchSize: batchSize, strict: input.strict) { skipped in
            warn("warning: skipped \(skipped.path): \(skipped.reason)")
        }
        let progress = ProgressBar("evaluate", total: items.count, quiet: runOptions.quiet)
        var labels = [Int]()
        var probabilities = [[Float]]()
        while let batch = try loader.nextBatch() {
            let output = try predictor.probabilities(of: batch.images)
            let classes = output.shape[1]
            for (row, item) in batch.items.enumerated() {
                labels.append(mapping[item.label!])
                probabilities.append(Array(output.scalars[(row * classes)..<((row + 1) * classes)]))
            }
            progress.advance(by: batch.count + batch.skipped.count)
        }
        progress.finish()
        guard !labels.isEmpty else { throw CLIError("\(data): no image could be read") }
        let metrics = try ClassificationMetrics(trueLabels: labels, probabilities: probabilities, classNames: predictor.classNames)
        report.metrics = metrics
        report.dataset = datasetReport(dataset, source: data)
        report.skippedFiles = loader.skipped.map { FileIssue(path: $0.path, reason: $0.reason) }
        let confusion = outputFolder.appendingPathComponent("confusion_matrix.png")
        let reportURL = outputFolder.appendingPathComponent("report.json")
        try ConfusionMatrixChart(metrics, title: "Confusion matrix (\(labels.count) images)").write(to: confusion)
        report.outputs = ["report": reportURL.path, "confusion_matrix": confusion.path]
        report.finishedAt = Date()
        try report.write(to: reportURL)
        print(metrics.text)
        if !loader.skipped.isEmpty { print("skipped \(loader.skipped.count) unreadable image(s), listed in report.json") }
        print("report: \(reportURL.path)")
    }
}
