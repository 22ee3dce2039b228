import CNN
import Foundation
import HDF5
import Imaging
import KerasFormat
import Zoo

/// `tl finetune --unfreeze N`, the medium-data regime: the top N blocks of the
/// backbone and the classifier train, everything below stays frozen; batch
/// normalization stays in inference mode unless asked (the Keras fine-tuning guide's
/// rule, so small batches do not wreck the pretrained statistics).
public struct FineTuning {
    public struct Configuration {
        public var unfreeze = 1
        public var trainBatchNormalization = false
        public var training: TrainingOptions = {
            var options = TrainingOptions()
            options.learningRate = 1e-4
            options.epochs = 10
            options.patience = nil
            return options
        }()
        public var augmenter: Augmenter?
        /// Epochs of head-only training first, when the model has no trained head yet.
        public var headEpochs = 20
        public var head = HeadOptions()
        public var cacheDirectory: URL?
        public var strict = false
        public var decoder = ImageDecoder()
        /// Above this, the activations entering the unfrozen part are not cached.
        public var activationCacheLimitBytes = 6 << 30
        public var batchSize = 32

        public init() {}
    }

    public struct Result {
        public var model: KerasModel
        public var headHistory: [EpochRecord]
        public var history: [EpochRecord]
        public var validationMetrics: ClassificationMetrics?
        public var skipped: [SkippedImage]
        public var trainableLayers: [String]
        public var usedActivationCache: Bool
        public var interrupted: Bool
        public var stages: [StageTiming]
    }

    public let backbone: LoadedModel
    public let dataset: Imaging.Dataset
    public let spec: InputSpec
    public let configuration: Configuration

    public init(backbone: LoadedModel, dataset: Imaging.Dataset, spec: InputSpec, configuration: Configuration) {
        self.backbone = backbone
        self.dataset = dataset
        self.spec = spec
        self.configuration = configuration
    }

    /// `checkpoint`: a folder written after each epoch; with `resume`, training continues
    /// from the last epoch saved there.
    public func run(checkpoint: URL, resume: Bool,
                    progress: @escaping (String, Int, Int) -> Void = { _, _, _ in },
                    onSkip: @escaping (SkippedImage) -> Void = { _ in },
                    onEpoch: @escaping (EpochRecord) -> Void = { _ in },
                    shouldStop: @escaping () -> Bool = { false }) throws -> Result {
        var stages = [StageTiming]()
        var started = Date()
        let blocks = backbone.blocks
        guard !blocks.isEmpty else { throw TransferLearningError.noBlocks(model: backbone.displayName) }
        guard configuration.unfreeze >= 0 && configuration.unfreeze <= blocks.count else {
            throw TransferLearningError.tooManyBlocks(requested: configuration.unfreeze, available: blocks.count, model: backbone.displayName)
        }

        // 1. A model with a classifier for these classes: the given one, or a head trained first.
        var headHistory = [EpochRecord]()
        var skipped = [SkippedImage]()
        let model: KerasModel
        if backbone.hasClassifier, let names = backbone.classNames, names == dataset.classNames {
            model = backbone.model
        } else if resume, FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent("model.h5").path) {
            model = try KerasLoader.loadFullModel(KerasFile(path: checkpoint.appendingPathComponent("model.h5").path))
        } else {
            var headConfiguration = HeadRetraining.Configuration()
            headConfiguration.head = configuration.head
            headConfiguration.training = configuration.training
            headConfiguration.training.learningRate = 1e-3
            headConfiguration.training.epochs = configuration.headEpochs
            headConfiguration.training.patience = 5
            headConfiguration.cacheDirectory = configuration.cacheDirectory
            headConfiguration.strict = configuration.strict
            headConfiguration.decoder = configuration.decoder
            headConfiguration.batchSize = configuration.batchSize
            let headResult = try HeadRetraining(backbone: backbone, dataset: dataset, spec: spec, configuration: headConfiguration)
                .run(progress: progress, onSkip: onSkip)
            headHistory = headResult.history
            skipped = headResult.skipped
            model = headResult.model
        }
        let graph = model.graph
        stages.append(StageTiming(name: "head", seconds: Date().timeIntervalSince(started)))

        // 2. What trains: the top N blocks and every layer after the last block.
        let trainableNames = Self.trainableLayerNames(graph: graph, blocks: blocks, unfreeze: configuration.unfreeze)
        for layer in graph.layers {
            layer.isTrainable = trainableNames.contains(layer.name)
            if let norm = layer as? BatchNormalization {
                norm.usesMovingStatisticsInTraining = !configuration.trainBatchNormalization
            }
        }
        let logitsNode = Self.logitsNode(of: graph)

        // 3. Where trainable computation starts; the activations there can be cached.
        var trainableNodes = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            guard let layer = node.layer else { continue }
            if trainableNames.contains(layer.name) || node.inputs.contains(where: trainableNodes.contains) {
                trainableNodes.insert(index)
            }
        }
        var frontier = Set<Int>()
        for index in trainableNodes {
            for input in graph.nodes[index].inputs where !trainableNodes.contains(input) { frontier.insert(input) }
        }
        let frontierNodes = frontier.sorted()
        let bytesPerImage = frontierNodes.reduce(0) { $0 + graph.nodes[$1].outputShape.reduce(1, *) * 4 }
        let imageCount = dataset.train.count + dataset.validation.count
        let cacheActivations = configuration.augmenter == nil
            && bytesPerImage * imageCount <= configuration.activationCacheLimitBytes
            && !frontierNodes.contains(0)

        // 4. Batch sources.
        started = Date()
        let pipeline = ImagePipeline(spec: spec, decoder: configuration.decoder)
        let train: BatchSource
        let validation: BatchSource?
        if cacheActivations {
            graph.fuseForInference(preserving: Set(frontierNodes))
            let trainSet = try ActivationSet.compute(graph: graph, nodes: frontierNodes, items: dataset.train, pipeline: pipeline,
                                                    batchSize: configuration.batchSize, strict: configuration.strict,
                                                    progress: { progress("activations", $0, imageCount) }, onSkip: onSkip)
            let validationSet = try ActivationSet.compute(graph: graph, nodes: frontierNodes, items: dataset.validation, pipeline: pipeline,
                                                         batchSize: configuration.batchSize, strict: configuration.strict,
                                                         progress: { progress("activations", trainSet.count + $0, imageCount) }, onSkip: onSkip)
            skipped += trainSet.skipped + validationSet.skipped
            train = trainSet
            validation = validationSet.count > 0 ? validationSet : nil
        } else {
            // Images are decoded anew in every epoch, where one bad file would end the run:
            // leave the unreadable ones out first, reported as the cached path does.
            let trainItems = try Self.readable(dataset.train, decoder: configuration.decoder, strict: configuration.strict)
            let validationItems = try Self.readable(dataset.validation, decoder: configuration.decoder, strict: configuration.strict)
            for item in trainItems.skipped + validationItems.skipped { onSkip(item) }
            skipped += trainItems.skipped + validationItems.skipped
            train = ImageBatchSource(items: trainItems.items, pipeline: ImagePipeline(spec: spec, decoder: configuration.decoder, augmenter: configuration.augmenter))
            validation = validationItems.items.isEmpty ? nil : ImageBatchSource(items: validationItems.items, pipeline: pipeline)
        }
        stages.append(StageTiming(name: "activations", seconds: Date().timeIntervalSince(started)))

        // 5. Train, checkpointing after each epoch.
        started = Date()
        var checkpointState = resume ? try Checkpoint.load(from: checkpoint, into: model) : nil
        let trainer = ClassifierTrainer(graph: graph, logitsNode: logitsNode, options: configuration.training,
                                        history: checkpointState?.history ?? [])
        trainer.restoresBestWeights = false
        trainer.shouldStop = shouldStop
        let parameters = graph.trainableParameters
        if let state = checkpointState {
            trainer.optimizer.restore(iterations: state.iterations, moments: state.moments, for: parameters)
        }
        checkpointState = nil
        let history = try trainer.fit(train: train, validation: validation, onBatch: { _, _ in }, onEpoch: { record in
            let state = trainer.optimizer.state(for: parameters)
            try Checkpoint.save(model: model, history: trainer.history, iterations: state.iterations, moments: state.moments,
                                metadata: ModelComposer.metadata(classNames: dataset.classNames, backbone: backbone), to: checkpoint)
            progress("fine-tuning", record.epoch, configuration.training.epochs)
            onEpoch(record)
        })
        stages.append(StageTiming(name: "fine-tuning", seconds: Date().timeIntervalSince(started)))

        var metrics: ClassificationMetrics?
        if let validation, validation.count > 0 {
            var labels = [Int](), rows = [[Float]]()
            var start = 0
            while start < validation.count {
                let indices = Array(start..<min(validation.count, start + configuration.batchSize))
                let output = try graph.run(feeding: try validation.feeds(for: indices, epoch: -1), fetching: [graph.outputNode], training: false)[graph.outputNode]!
                let classes = output.shape[1]
                for (row, index) in indices.enumerated() {
                    labels.append(validation.labels[index])
                    rows.append(Array(output.scalars[(row * classes)..<((row + 1) * classes)]))
                }
                start += indices.count
            }
            metrics = try ClassificationMetrics(trueLabels: labels, probabilities: rows, classNames: dataset.classNames)
        }
        return Result(model: model, headHistory: headHistory, history: history, validationMetrics: metrics, skipped: skipped,
                      trainableLayers: graph.layers.filter(\.isTrainable).map(\.name), usedActivationCache: cacheActivations,
                      interrupted: trainer.wasInterrupted, stages: stages)
    }

    /// The items whose files decode, and the others as skipped (in list order); with `strict`,
    /// the first bad file's error is thrown instead.
    static func readable(_ items: [DatasetItem], decoder: ImageDecoder, strict: Bool) throws -> (items: [DatasetItem], skipped: [SkippedImage]) {
        var failures = [Error?](repeating: nil, count: items.count)
        failures.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer.baseAddress!
            // Each iteration writes only its own slot.
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                do { _ = try decoder.decode(contentsOf: items[index].url) } catch { slots[index] = error }
            }
        }
        var kept = [DatasetItem](), skipped = [SkippedImage]()
        for (index, item) in items.enumerated() {
            guard let error = failures[index] else { kept.append(item); continue }
            if strict { throw error }
            let reason = (error as? ImageError)?.reasonDescription ?? error.localizedDescription
            skipped.append(SkippedImage(index: index, path: item.path, reason: reason))
        }
        return (kept, skipped)
    }

    /// The layers of the top `unfreeze` blocks, and every layer after the last block.
    public static func trainableLayerNames(graph: Graph, blocks: [Block], unfreeze: Int) -> Set<String> {
        var names = Set(blocks.suffix(unfreeze).flatMap(\.layers))
        let inBlocks = Set(blocks.flatMap(\.layers))
        let lastBlockNode = graph.nodes.indices.last { graph.nodes[$0].layer.map { inBlocks.contains($0.name) } ?? false } ?? 0
        for index in graph.nodes.indices where index > lastBlockNode {
            if let layer = graph.nodes[index].layer, !inBlocks.contains(layer.name) { names.insert(layer.name) }
        }
        return names
    }

    /// The classifier's logits: the input of the final softmax.
    public static func logitsNode(of graph: Graph) -> Int {
        if let activation = graph.nodes[graph.outputNode].layer as? Activation, activation.kind == .softmax,
           let input = graph.nodes[graph.outputNode].inputs.first {
            return input
        }
        return graph.outputNode
    }
}

/// The activations entering the unfrozen part, computed once for every image.
struct ActivationSet: BatchSource {
    var nodes: [Int]
    var values: [Int: [Float]]
    var shapes: [Int: [Int]]
    var labels: [Int]
    var skipped: [SkippedImage]
    var count: Int { labels.count }

    static func compute(graph: Graph, nodes: [Int], items: [DatasetItem], pipeline: ImagePipeline, batchSize: Int, strict: Bool,
                        progress: (Int) -> Void, onSkip: @escaping (SkippedImage) -> Void) throws -> ActivationSet {
        var set = ActivationSet(nodes: nodes, values: [:], shapes: [:], labels: [], skipped: [])
        for node in nodes { set.shapes[node] = graph.nodes[node].outputShape; set.values[node] = [] }
        guard !items.isEmpty else { return set }
        let loader = BatchLoader(items: items, pipeline: pipeline, batchSize: batchSize, strict: strict, onSkip: onSkip)
        var done = 0
        while let batch = try loader.nextBatch() {
            let outputs = try graph.run(feeding: [0: batch.images], fetching: nodes, training: false)
            for node in nodes { set.values[node]!.append(contentsOf: outputs[node]!.scalars) }
            set.labels += batch.items.map { $0.label ?? 0 }
            done += batch.count + batch.skipped.count
            progress(done)
        }
        set.skipped = loader.skipped
        return set
    }

    func feeds(for indices: [Int], epoch: Int) throws -> [Int: Tensor] {
        var result = [Int: Tensor]()
        for node in nodes {
            let shape = shapes[node]!
            let size = shape.reduce(1, *)
            let all = values[node]!
            var scalars = [Float]()
            scalars.reserveCapacity(indices.count * size)
            for index in indices { scalars.append(contentsOf: all[(index * size)..<((index + 1) * size)]) }
            result[node] = Tensor(shape: [indices.count] + shape, scalars: scalars)
        }
        return result
    }
}

/// Images decoded (and augmented for the epoch) batch by batch, on every core.
struct ImageBatchSource: BatchSource {
    let items: [DatasetItem]
    let pipeline: ImagePipeline
    var labels: [Int] { items.map { $0.label ?? 0 } }
    var count: Int { items.count }

    func feeds(for indices: [Int], epoch: Int) throws -> [Int: Tensor] {
        let perSample = pipeline.spec.width * pipeline.spec.height * 3
        var scalars = [Float](repeating: 0, count: indices.count * perSample)
        var failure: Error?
        let lock = NSLock()
        scalars.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            nonisolated(unsafe) let destination = base
            // Each iteration writes only its own sample's slice.
            DispatchQueue.concurrentPerform(iterations: indices.count) { row in
                do {
                    let sample = try pipeline.sample(contentsOf: items[indices[row]].url, epoch: max(epoch, 0), index: indices[row])
                    sample.withPointer { (destination + row * perSample).update(from: $0, count: perSample) }
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        return [0: Tensor(shape: [indices.count] + pipeline.spec.sampleShape, scalars: scalars)]
    }
}
