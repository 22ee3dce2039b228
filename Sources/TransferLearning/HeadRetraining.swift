import CNN
import Foundation
import Imaging
import KerasFormat

/// `tl retrain-head`, the small-data regime: the backbone is frozen and only a new
/// softmax classifier is trained, on backbone features computed once and cached.
public struct HeadRetraining {
    public struct Configuration {
        public var layer: String?
        public var pooling: FeaturePooling = .avg
        public var head = HeadOptions()
        public var training = TrainingOptions()
        public var balancedClassWeights = false
        /// Seeded augmented views of each training image, cached like the plain ones.
        public var augmentViews = 0
        public var augmenter: Augmenter?
        public var batchSize = 32
        public var cacheDirectory: URL?
        public var strict = false
        public var decoder = ImageDecoder()

        public init() {}
    }

    public struct Result {
        public var model: KerasModel
        public var history: [EpochRecord]
        public var validationMetrics: ClassificationMetrics?
        public var skipped: [SkippedImage]
        public var cacheHits: Int
        public var forwardPasses: Int
        public var stages: [StageTiming]
    }

    public let backbone: LoadedModel
    public let dataset: Dataset
    public let spec: InputSpec
    public let configuration: Configuration

    public init(backbone: LoadedModel, dataset: Dataset, spec: InputSpec, configuration: Configuration) {
        self.backbone = backbone
        self.dataset = dataset
        self.spec = spec
        self.configuration = configuration
    }

    /// `progress(stage, done, total)` reports feature extraction and training.
    public func run(progress: (String, Int, Int) -> Void = { _, _, _ in },
                    onSkip: @escaping (SkippedImage) -> Void = { _ in },
                    onEpoch: (EpochRecord) -> Void = { _ in }) throws -> Result {
        let classes = dataset.classNames.count
        var stages = [StageTiming]()
        let extractor = try FeatureExtractor(model: backbone, layer: configuration.layer, pooling: configuration.pooling)
        let plain = FeatureComputation(extractor: extractor, pipeline: ImagePipeline(spec: spec, decoder: configuration.decoder),
                                       batchSize: configuration.batchSize, strict: configuration.strict)
        func cache(_ computation: FeatureComputation, view: Int?) throws -> FeatureCache? {
            guard let directory = configuration.cacheDirectory else { return nil }
            return try FeatureCache(directory: directory, key: try computation.cacheKey(view: view), dimension: extractor.dimension)
        }

        var started = Date()
        let total = dataset.train.count * (1 + configuration.augmentViews) + dataset.validation.count
        var done = 0
        let report: (Int) -> Void = { count in
            done += count
            progress("features", done, total)
        }
        let plainCache = try cache(plain, view: nil)
        var train = try plain.compute(dataset.train, cache: plainCache, onProgress: report, onSkip: onSkip)
        let validation = try plain.compute(dataset.validation, cache: plainCache, onProgress: report, onSkip: onSkip)
        var hits = train.cacheHits + validation.cacheHits
        // Train and validation images are disjoint, and augmented views report no skips of
        // their own (the same files failed in the plain pass), so no file is listed twice.
        let skipped = train.skipped + validation.skipped
        if configuration.augmentViews > 0, let augmenter = configuration.augmenter {
            let augmented = FeatureComputation(extractor: extractor, pipeline: ImagePipeline(spec: spec, decoder: configuration.decoder, augmenter: augmenter),
                                               batchSize: configuration.batchSize, strict: configuration.strict)
            for view in 1...configuration.augmentViews {
                // Each view is a separate epoch of the seeded augmenter, with its own cache file.
                let viewCache = try cache(augmented, view: view)
                let views = try augmented.compute(dataset.train, view: view, cache: viewCache, onProgress: report)
                hits += views.cacheHits
                train.features = Tensor.concatenatingBatches([train.features, views.features])
                train.items += views.items
            }
        }
        stages.append(StageTiming(name: "features", seconds: Date().timeIntervalSince(started)))
        guard !train.items.isEmpty else {
            throw TransferLearningError.emptyDataset("no training image could be read")
        }

        started = Date()
        var options = configuration.training
        if configuration.balancedClassWeights {
            options.classWeights = balancedClassWeights(labels: train.labels, classes: classes)
        }
        let head = try ClassifierHead(featureDimension: extractor.dimension, classes: classes,
                                      options: configuration.head, seed: options.seed)
        let trainer = ClassifierTrainer(graph: head.graph, logitsNode: head.logitsNode, options: options)
        let validationSource = validation.items.isEmpty ? nil
            : FeatureBatchSource(features: validation.features, labels: validation.labels)
        let history = try trainer.fit(train: FeatureBatchSource(features: train.features, labels: train.labels),
                                      validation: validationSource,
                                      onBatch: { _, _ in },
                                      onEpoch: { record in
                                          progress("training", record.epoch, options.epochs)
                                          onEpoch(record)
                                      })
        stages.append(StageTiming(name: "training", seconds: Date().timeIntervalSince(started)))

        var metrics: ClassificationMetrics?
        if !validation.items.isEmpty {
            let probabilities = try head.graph.forward(validation.features)
            metrics = try ClassificationMetrics(trueLabels: validation.labels, probabilities: probabilities,
                                                classNames: dataset.classNames)
        }
        let composed = try ModelComposer.compose(backbone: backbone, featureNode: extractor.node,
                                                 pooling: configuration.pooling, head: head, name: "tl_retrained")
        for layer in composed.model.graph.layers where !head.graph.layers.contains(where: { $0 === layer }) {
            layer.isTrainable = false
        }
        return Result(model: composed.model, history: history, validationMetrics: metrics, skipped: skipped,
                      cacheHits: hits, forwardPasses: extractor.forwardPasses, stages: stages)
    }
}
