import ArgumentParser
import CNN
import Foundation
import Imaging
import KerasFormat
import TransferLearning

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify images: the top classes of each, with probabilities.",
        discussion: """
        Without --model, uses the embedded ImageNet model (EfficientNet-Lite0) and ImageNet class names; with a model saved by `tl retrain-head` or `tl finetune`, that model's classes. Results go to stdout, progress and warnings to stderr. A file that cannot be read is reported and skipped (it appears with an "error" in JSON and CSV output).

        Examples:
          tl predict cat.png
          tl predict slides/ --model my_model.h5 --top 3
          tl predict slides/ --model my_model.h5 --format json > predictions.json
          tl predict lesion.jpg --model my_model.h5 --explain heatmaps/
        """
    )

    @Argument(help: ArgumentHelp("Image files or folders (searched recursively for PNG and JPEG).", valueName: "image"))
    var images: [String]

    @OptionGroup var modelOptions: ModelOptionGroup
    @OptionGroup var runOptions: RunOptionGroup
    @OptionGroup var input: InputOptionGroup

    @Option(name: .long, help: "How many classes to show per image.")
    var top = 5

    @Option(name: .long, help: "table, json or csv.")
    var format: OutputFormat = .table

    @Option(name: .long, help: ArgumentHelp("Write a Grad-CAM heat map over each image as PNG into this folder (where the network looked).", valueName: "folder"))
    var explain: String?


    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 16

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        runOptions.apply()
        let model = try LoadedModel.load(modelOptions.modelOptions)
        let predictor = try Predictor(model: model)
        let files = try ImageFileList(paths: images)
        guard !files.urls.isEmpty else { throw CLIError("no PNG or JPEG images in \(images.joined(separator: ", "))") }
        let spec = InputSpec(width: model.inputSize.width, height: model.inputSize.height,
                             resizeMode: input.resizeMode)
        let pipeline = ImagePipeline(spec: spec, decoder: input.decoder)
        let items = files.urls.map { DatasetItem(url: $0) }
        var results = [Int: [Prediction]]()
        var errors = [Int: String]()
        let progress = ProgressBar("predict", total: items.count, quiet: runOptions.quiet)
        let loader = BatchLoader(items: items, pipeline: pipeline, batchSize: batchSize, strict: input.strict) { skipped in
            warn("warning: skipped \(skipped.path): \(skipped.reason)")
        }
        let gradCAM = explain != nil ? try GradCAM(model: model) : nil
        if let explain { try createOutputFolder(URL(fileURLWithPath: explain), for: "--explain \(explain)") }
        while let batch = try loader.nextBatch() {
            let predictions = try predictor.predict(batch.images, top: top)
            for (row, index) in batch.indices.enumerated() {
                results[index] = predictions[row]
                if let gradCAM, let explain {
                    let image = batch.images.batch(row..<(row + 1))
                    let heat = try gradCAM.heatMap(for: image, classIndex: predictions[row][0].index)
                    let original = try pipeline.inputImage(contentsOf: items[index].url)
                    let overlay = HeatMapOverlay.overlay(heat, on: original)
                    let name = items[index].url.deletingPathExtension().lastPathComponent + "_gradcam.png"
                    try PNGEncoder.write(overlay, to: URL(fileURLWithPath: explain).appendingPathComponent(name))
                }
            }
            for skipped in batch.skipped { errors[skipped.index] = skipped.reason }
            progress.advance(by: batch.count + batch.skipped.count)
        }
        for skipped in loader.skipped { errors[skipped.index] = skipped.reason }
        progress.finish()
        print(render(items: items, results: results, errors: errors))
        if !errors.isEmpty {
            warn("\(errors.count) of \(items.count) images could not be read (listed above)")
        }
        if results.isEmpty { throw ExitCode(1) }
    }

    func render(items: [DatasetItem], results: [Int: [Prediction]], errors: [Int: String]) -> String {
        switch format {
        case .json:
            let rows: [JSONValue] = items.indices.map { index in
                var object: [String: JSONValue] = ["path": .string(items[index].path)]
                if let predictions = results[index] {
                    object["predictions"] = .array(predictions.map { prediction in
                        .object(["label": .string(prediction.label), "index": .number(Double(prediction.index)),
                                 "probability": .number(Double(prediction.probability))])
                    })
                } else {
                    object["error"] = .string(errors[index] ?? "not processed")
                }
                return .object(object)
            }
            return JSONValue.array(rows).serialized
        case .csv:
            var lines = ["path,rank,label,index,probability,error"]
            for index in items.indices {
                let path = FeatureFileWriter.csvEscaped(items[index].path)
                if let predictions = results[index] {
                    for (rank, prediction) in predictions.enumerated() {
                        lines.append("\(path),\(rank + 1),\(FeatureFileWriter.csvEscaped(prediction.label)),\(prediction.index),\(prediction.probability),")
                    }
                } else {
                    lines.append("\(path),,,,,\(FeatureFileWriter.csvEscaped(errors[index] ?? "not processed"))")
                }
            }
            return lines.joined(separator: "\n")
        case .table:
            var lines = [String]()
            for index in items.indices {
                lines.append(items[index].path)
                if let predictions = results[index] {
                    for prediction in predictions {
                        lines.append(String(format: "  %6.2f%%  %@ (%d)", prediction.probability * 100, prediction.label, prediction.index))
                    }
                } else {
                    lines.append("  error: \(errors[index] ?? "not processed")")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
