import ArgumentParser
import CNN
import Foundation
import Imaging
import TransferLearning

struct ExtractFeatures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract-features",
        abstract: "The frozen network as a fixed feature extractor: one vector per image.",
        discussion: """
        DATA is a folder with one sub-folder per class (labels are recorded), a CSV with path,label columns, or a folder of unlabeled images. The output format follows the extension:
          .h5   datasets features (N×D float32), paths, labels, class_names; attributes
                model_sha256, layer, pooling, preprocessing
          .csv  path,label,f0,f1,… one row per image
          .npy  the N×D array, with the rows' paths and labels in <name>.rows.csv

        Unreadable images are skipped (rows stay aligned) and listed on stderr.

        Examples:
          tl extract-features slides/ --output features.h5
          tl extract-features slides/ --output f.csv \\
              --model resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5
          tl extract-features slides/ --layer block6a_expand_activation --pool max \\
              --output f.npy
        Reading them:
          Python: h5py.File('features.h5')['features'][:]
          R:      rhdf5::h5read('features.h5', 'features')
        """
    )

    @Argument(help: ArgumentHelp("A class-folder dataset, a CSV manifest, or a folder of images.", valueName: "data"))
    var data: String

    @OptionGroup var modelOptions: ModelOptionGroup
    @OptionGroup var runOptions: RunOptionGroup
    @OptionGroup var input: InputOptionGroup

    @Option(name: .long, help: ArgumentHelp("Output file: .h5, .csv or .npy.", valueName: "file"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("The layer to take features from (default: the pooled output before the classifier).", valueName: "name"))
    var layer: String?

    @Option(name: .long, help: "avg or max: how a spatial map becomes a vector.")
    var pool: FeaturePooling = .avg


    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 32


    func validate() throws {
        guard FileManager.default.fileExists(atPath: data) else { throw ValidationError("\(data): no such folder or file") }
        guard FeatureFileWriter.Format(path: output) != nil else { throw ValidationError("--output \(output): use a .h5, .csv or .npy file name") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        runOptions.apply()
        // Creates the output's folder and checks it is writable before any work is done.
        _ = try OutputLocation(output)
        let url = URL(fileURLWithPath: data)
        var items: [DatasetItem]
        var classNames: [String] = []
        do {
            let dataset = try DatasetLoader(validationSplit: 0).load(from: url)
            items = dataset.train + dataset.validation + dataset.test
            classNames = dataset.classNames
            printDatasetSummary(dataset, quiet: runOptions.quiet)
        } catch DatasetError.noClassFolders {
            items = try DatasetLoader.unlabeledImages(in: url).items
        }
        guard !items.isEmpty else { throw CLIError("\(data): no PNG or JPEG images") }
        let model = try LoadedModel.load(modelOptions.modelOptions)
        let extractor = try FeatureExtractor(model: model, layer: layer, pooling: pool)
        let spec = InputSpec(width: model.inputSize.width, height: model.inputSize.height, resizeMode: input.resizeMode)
        let computation = FeatureComputation(extractor: extractor, pipeline: ImagePipeline(spec: spec, decoder: input.decoder), batchSize: batchSize, strict: input.strict)
        let progress = ProgressBar("features", total: items.count, quiet: runOptions.quiet)
        var skipped = [SkippedImage]()
        var count = 0
        // Rows go to the file as they are computed: memory does not grow with the number of images.
        let written = try FeatureFileWriter.write(
            to: output, dimension: extractor.dimension, classNames: classNames, labeled: !classNames.isEmpty,
            provenance: .init(modelSHA256: try model.sha256, modelPath: model.path, layer: extractor.layerName,
                              pooling: pool.rawValue, input: spec.summary + "; model: " + model.preprocessingDescription)
        ) { sink in
            skipped = try computation.stream(items, onProgress: { progress.advance(by: $0) }, onSkip: { skipped in
                warn("warning: skipped \(skipped.path): \(skipped.reason)")
            }) { features, rows in
                try features.withPointer { values in
                    try sink.append(UnsafeBufferPointer(start: values, count: features.count),
                                    paths: rows.map { items[$0].path }, labels: rows.map { items[$0].label })
                }
            }
            count = sink.count
        }
        progress.finish()
        print("\(count) images × \(extractor.dimension) features from layer \(extractor.layerName) → \(written.joined(separator: ", "))")
        if !skipped.isEmpty {
            print("skipped \(skipped.count) unreadable image(s):")
            for image in skipped { print("  \(image.path): \(image.reason)") }
            if input.strict { throw ExitCode(1) }
        }
    }
}
