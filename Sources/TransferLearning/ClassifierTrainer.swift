import CNN
import Foundation

/// Where training batches come from: in-memory features, cached activations, or images.
public protocol BatchSource {
    var count: Int { get }
    var labels: [Int] { get }
    /// The tensors to feed (graph node → batch) for the samples at `indices`.
    func feeds(for indices: [Int], epoch: Int) throws -> [Int: Tensor]
}

public struct TrainingOptions: Sendable {
    public var epochs = 30
    public var batchSize = 32
    public var learningRate: Float = 1e-3
    /// Keras `kernel_regularizer=l2(λ)` on every trainable kernel.
    public var l2: Float = 1e-4
    public var labelSmoothing: Float = 0
    public var classWeights: [Float]?
    /// Stop after this many epochs without a better validation loss, and keep the best weights.
    public var patience: Int? = 5
    public var cosineSchedule = false
    public var seed: UInt64 = 1

    public init() {}
}

public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var learningRate: Double
    public var seconds: Double
}

/// Trains the trainable part of a graph with softmax cross-entropy on the logits
/// node: Adam, L2, class weights, early stopping on the validation loss with the
/// best weights restored, seeded shuffling and dropout.
public final class ClassifierTrainer {
    public let graph: Graph
    public let logitsNode: Int
    public var options: TrainingOptions
    public private(set) var history: [EpochRecord] = []
    public let optimizer: Adam
    /// Set by a signal handler: stop after the current batch.
    public var shouldStop: () -> Bool = { false }
    /// True when `fit` returned because `shouldStop` said so, before the last epoch.
    public private(set) var wasInterrupted = false
    /// Whether to restore the weights of the epoch with the lowest validation loss at the end.
    public var restoresBestWeights = true

    public init(graph: Graph, logitsNode: Int, options: TrainingOptions, history: [EpochRecord] = []) {
        self.graph = graph
        self.logitsNode = logitsNode
        self.options = options
        self.history = history
        optimizer = Adam(learningRate: options.learningRate)
    }

    /// Runs `epochs` more epochs (from `history.count`), calling `onBatch(done, total)`
    /// and `onEpoch` (e.g. to checkpoint). Returns the history so far.
    @discardableResult
    public func fit(train: BatchSource, validation: BatchSource?,
                    onBatch: (Int, Int) -> Void = { _, _ in },
                    onEpoch: (EpochRecord) throws -> Void = { _ in }) throws -> [EpochRecord] {
        guard train.count > 0 else { throw TransferLearningError.emptyDataset("no training samples") }
        var bestLoss = Double.infinity
        var bestWeights: [Tensor]?
        var sinceBest = 0
        let parameters = graph.trainableParameters
        let batchesPerEpoch = (train.count + options.batchSize - 1) / options.batchSize
        while history.count < options.epochs {
            let epoch = history.count
            let started = Date()
            if options.cosineSchedule {
                optimizer.learningRate = cosineDecay(step: epoch * batchesPerEpoch, initialLearningRate: options.learningRate,
                                                     decaySteps: options.epochs * batchesPerEpoch)
            }
            // The order depends only on (seed, epoch): a resumed run sees the same batches.
            var generator = SeededGenerator(seed: options.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            let order = Array(0..<train.count).shuffled(using: &generator)
            // Dropout masks depend only on (seed, epoch) too, for the same reason.
            for (index, layer) in graph.layers.enumerated() {
                if let dropout = layer as? Dropout {
                    dropout.seed = options.seed &+ UInt64(index) &* 7919 &+ UInt64(epoch) &* 104_729
                }
            }
            var lossSum = 0.0, correct = 0, seen = 0
            var interrupted = false
            for batchIndex in 0..<batchesPerEpoch {
                let indices = Array(order[(batchIndex * options.batchSize)..<min(train.count, (batchIndex + 1) * options.batchSize)])
                let labels = indices.map { train.labels[$0] }
                graph.zeroGradients()
                let outputs = try graph.run(feeding: try train.feeds(for: indices, epoch: epoch), fetching: [logitsNode], training: true)
                let logits = outputs[logitsNode]!
                let result = try softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: options.labelSmoothing,
                                                     classWeights: options.classWeights)
                try graph.backward([logitsNode: result.gradient])
                let penalty = options.l2 > 0 ? applyPenalty(.l2(options.l2), to: parameters) : 0
                optimizer.step(parameters)
                lossSum += Double(result.loss + penalty) * Double(indices.count)
                correct += countCorrect(logits: logits, labels: labels)
                seen += indices.count
                onBatch(batchIndex + 1, batchesPerEpoch)
                if shouldStop() && batchIndex + 1 < batchesPerEpoch {
                    interrupted = true
                    break
                }
            }
            // An unfinished epoch is not recorded: a resumed run repeats it from its start.
            if interrupted {
                wasInterrupted = true
                break
            }
            var record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(max(seen, 1)),
                                     trainAccuracy: Double(correct) / Double(max(seen, 1)),
                                     validationLoss: nil, validationAccuracy: nil,
                                     learningRate: Double(optimizer.learningRate), seconds: 0)
            if let validation, validation.count > 0 {
                let (loss, accuracy) = try evaluate(validation)
                record.validationLoss = loss
                record.validationAccuracy = accuracy
            }
            record.seconds = Date().timeIntervalSince(started)
            history.append(record)
            try onEpoch(record)
            if shouldStop() {
                wasInterrupted = history.count < options.epochs
                break
            }
            if let patience = options.patience, let loss = record.validationLoss {
                if loss < bestLoss - 1e-6 {
                    bestLoss = loss
                    bestWeights = graph.parameters.map(\.value)
                    sinceBest = 0
                } else {
                    sinceBest += 1
                    if sinceBest >= patience { break }
                }
            }
        }
        if restoresBestWeights, !wasInterrupted, let bestWeights {
            for (parameter, value) in zip(graph.parameters, bestWeights) { parameter.value = value }
        }
        return history
    }

    /// Mean loss (without penalty) and accuracy over a source, in inference mode.
    public func evaluate(_ source: BatchSource) throws -> (loss: Double, accuracy: Double) {
        var lossSum = 0.0, correct = 0
        var start = 0
        while start < source.count {
            let indices = Array(start..<min(source.count, start + options.batchSize))
            let labels = indices.map { source.labels[$0] }
            let logits = try graph.run(feeding: try source.feeds(for: indices, epoch: -1), fetching: [logitsNode], training: false)[logitsNode]!
            let result = try softmaxCrossEntropy(logits: logits, labels: labels)
            lossSum += Double(result.loss) * Double(indices.count)
            correct += countCorrect(logits: logits, labels: labels)
            start += indices.count
        }
        return (lossSum / Double(source.count), Double(correct) / Double(source.count))
    }

    private func countCorrect(logits: Tensor, labels: [Int]) -> Int {
        let classes = logits.shape.last ?? 1
        var correct = 0
        for (row, label) in labels.enumerated() {
            let slice = logits.scalars[(row * classes)..<((row + 1) * classes)]
            if let best = slice.indices.max(by: { slice[$0] < slice[$1] }), best - row * classes == label { correct += 1 }
        }
        return correct
    }
}

/// Balanced class weights, as scikit-learn's `compute_class_weight('balanced')`:
/// n_samples / (n_classes · n_k).
public func balancedClassWeights(labels: [Int], classes: Int) -> [Float] {
    var counts = [Int](repeating: 0, count: classes)
    for label in labels { counts[label] += 1 }
    return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(classes * $0) }
}

/// Features held in memory (the cached backbone outputs), fed to node 0 of a head graph.
public struct FeatureBatchSource: BatchSource {
    public let features: Tensor  // (N, D)
    public let labels: [Int]
    public let inputNode: Int

    public init(features: Tensor, labels: [Int], inputNode: Int = 0) {
        self.features = features
        self.labels = labels
        self.inputNode = inputNode
    }

    public var count: Int { labels.count }

    public func feeds(for indices: [Int], epoch: Int) throws -> [Int: Tensor] {
        let width = features.sampleCount
        var scalars = [Float]()
        scalars.reserveCapacity(indices.count * width)
        for index in indices { scalars.append(contentsOf: features.scalars[(index * width)..<((index + 1) * width)]) }
        var shape = features.shape
        shape[0] = indices.count
        return [inputNode: Tensor(shape: shape, scalars: scalars)]
    }
}
