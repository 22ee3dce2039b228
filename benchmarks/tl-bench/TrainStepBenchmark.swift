import CNN
import Foundation
import TransferLearning

// One training step of `tl finetune --unfreeze N` (issue 6): the number that
// benchmarks/bench_peers.sh sets beside the same step in TensorFlow-Keras
// (benchmarks/peers/keras_train.py step).
//
// The model is built as `tl finetune --model FILE` builds it when it has to train a new
// classifier first: the file loaded by `LoadedModel` (preprocessing inside the graph, so
// it takes RGB in [0, 255]), cut at its feature node, a new `ClassifierHead` (dropout 0.2,
// Dense, softmax) composed on top by `ModelComposer`; then `FineTuning`'s own rules say
// what trains (the top N blocks and every layer after the last block) and every batch
// normalization keeps its moving statistics (no --train-bn).
//
// A step is what `finetune` does per batch when the activations are not cached (with
// --augment): the whole network forward in training mode from the images, the loss,
// backward through the trainable top only, Adam at finetune's defaults (learning rate
// 1e-4, no L2). It runs through `ClassifierTrainer.fit` itself, one epoch of one batch
// per call, so the timed code is the code `tl finetune` runs; the per-call bookkeeping
// (a shuffle of the batch's indices, dropout seeds) is negligible against a step.
//
// After the timed steps, a few more steps replay fit's loop by hand to split a step into
// zeroing the gradients, forward, loss + backward and the optimizer (for where to
// optimize; not compared).
//
// Output: a markdown table and one JSON line per model (lines starting with '{'). The
// input is the peers' deterministic pattern at [0, 255]; the labels are i mod classes.

/// One batch of samples held in memory; every step is one epoch over all of them.
private struct FixedBatch: BatchSource {
    let images: Tensor  // (N, H, W, 3)
    let labels: [Int]
    var count: Int { labels.count }

    func feeds(for indices: [Int], epoch: Int) throws -> [Int: Tensor] {
        // Gathered in fit's shuffled order into a new tensor, as finetune's batch sources
        // build each batch, so the copy is timed too.
        let width = images.sampleCount
        var scalars = [Float]()
        scalars.reserveCapacity(indices.count * width)
        for index in indices { scalars.append(contentsOf: images.scalars[(index * width)..<((index + 1) * width)]) }
        return [0: Tensor(shape: [indices.count] + Array(images.shape.dropFirst()), scalars: scalars)]
    }
}

func runTrainStepBenchmark(_ arguments: BenchmarkArguments) {
    let batch = arguments.batch
    print("## Training step of finetune --unfreeze \(arguments.unfreeze), 224×224, batch \(batch) (median after warm-up)")
    print("| model | trainable layers | trainable parameters | median s/step | images/s | runs | forward | loss + backward | optimizer | max RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    var jsonLines = [String]()
    for name in arguments.trainModels {
        do {
            jsonLines.append(try measureTrainStep(name, arguments: arguments))
        } catch {
            print("| \(name) | error: \(error.localizedDescription) | | | | | | | | |")
        }
    }
    print("")
    for line in jsonLines { print(line) }
    print("")
}

private func measureTrainStep(_ name: String, arguments: BenchmarkArguments) throws -> String {
    let path: String
    switch name {
    case "efficientnet-lite0":
        path = arguments.lite0Path
    case "resnet50", "mobilenetv2":
        guard let directory = arguments.weightsDirectory else {
            throw EngineError.invalidConfiguration(layer: name, reason: "train-step needs --weights-dir DIR with \(name).h5")
        }
        path = (directory as NSString).appendingPathComponent("\(name).h5")
    default:
        throw EngineError.invalidConfiguration(layer: name, reason: "unknown model (resnet50, mobilenetv2, efficientnet-lite0)")
    }

    // The model finetune trains: backbone + new classifier, as HeadRetraining composes it.
    let backbone = try LoadedModel.load(ModelOptions(path: path))
    let extractor = try FeatureExtractor(model: backbone)
    let head = try ClassifierHead(featureDimension: extractor.dimension, classes: arguments.classes,
                                  options: HeadOptions(), seed: 1)
    let composed = try ModelComposer.compose(backbone: backbone, featureNode: extractor.node, pooling: .avg,
                                             head: head, name: "tl_retrained")
    let graph = composed.model.graph

    // What trains, exactly as FineTuning.run decides it.
    let blocks = backbone.blocks
    guard arguments.unfreeze >= 1 && arguments.unfreeze <= blocks.count else {
        throw EngineError.invalidConfiguration(layer: name, reason: "--unfreeze \(arguments.unfreeze): the model has \(blocks.count) blocks")
    }
    let trainableNames = FineTuning.trainableLayerNames(graph: graph, blocks: blocks, unfreeze: arguments.unfreeze)
    for layer in graph.layers {
        layer.isTrainable = trainableNames.contains(layer.name)
        if let norm = layer as? BatchNormalization { norm.usesMovingStatisticsInTraining = true }
    }
    let logitsNode = FineTuning.logitsNode(of: graph)
    let trainableLayers = graph.layers.filter(\.isTrainable).map(\.name)
    let parameters = graph.trainableParameters
    let trainableScalars = parameters.reduce(0) { $0 + $1.value.count }
    let unfrozenBlocks = blocks.suffix(arguments.unfreeze).map(\.name)

    // finetune's training options (FineTuning.Configuration and the CLI's defaults), at this batch.
    var options = FineTuning.Configuration().training
    options.l2 = 0
    options.batchSize = arguments.batch
    options.epochs = 0
    options.seed = 1
    let trainer = ClassifierTrainer(graph: graph, logitsNode: logitsNode, options: options)
    trainer.restoresBestWeights = false

    let input = benchmarkInput(batch: arguments.batch, shape: graph.inputShape, scale: .pixels)
    let labels = (0..<arguments.batch).map { $0 % arguments.classes }
    let source = FixedBatch(images: input, labels: labels)
    func step() throws {
        trainer.options.epochs += 1
        try trainer.fit(train: source, validation: nil)
    }

    // Two warm-up steps: the first one allocates the gradients and Adam's moments.
    var warmup = [Double]()
    for _ in 0..<2 {
        warmup.append(try timeThrowing(step))
    }
    let runs = repetitionCount(minimum: arguments.repetitions, firstRun: warmup[1], minimumSeconds: arguments.minimumSeconds)
    var times = [Double]()
    for _ in 0..<runs {
        times.append(try timeThrowing(step))
    }
    times.sort()
    let median = times[times.count / 2]
    let losses = trainer.history.map(\.trainLoss)

    // Where a step's time goes: fit's loop body, timed piece by piece.
    var phases: [(zero: Double, forward: Double, backward: Double, optimizer: Double)] = []
    for _ in 0..<3 {
        let zero = timeSeconds { graph.zeroGradients() }
        var logits = Tensor(zeros: [1])
        let forward = try timeThrowing {
            logits = try graph.run(feeding: [0: input], fetching: [logitsNode], training: true)[logitsNode]!
        }
        let backward = try timeThrowing {
            let result = try softmaxCrossEntropy(logits: logits, labels: labels)
            try graph.backward([logitsNode: result.gradient])
        }
        let optimizer = timeSeconds { trainer.optimizer.step(parameters) }
        phases.append((zero, forward, backward, optimizer))
    }
    func medianOf(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let zero = medianOf(phases.map(\.zero))
    let forward = medianOf(phases.map(\.forward))
    let backward = medianOf(phases.map(\.backward))
    let optimizer = medianOf(phases.map(\.optimizer))

    let rssMB = Double(maxResidentBytes()) / 1e6
    let imagesPerSecond = Double(arguments.batch) / median
    print("| \(name) | \(trainableLayers.count) | \(trainableScalars) | \(String(format: "%.4f", median)) | \(String(format: "%.1f", imagesPerSecond)) | \(runs) "
          + "| \(String(format: "%.3f", forward)) | \(String(format: "%.3f", backward)) | \(String(format: "%.3f", optimizer)) | \(String(format: "%.0f MB", rssMB)) |")
    let finite = losses.allSatisfy(\.isFinite)
    return jsonObject([
        ("bench", "\"train-step\""), ("framework", "\"tl\""), ("model", "\"\(name)\""), ("weights", "\"\(path)\""),
        ("batch", "\(arguments.batch)"), ("unfreeze", "\(arguments.unfreeze)"), ("classes", "\(arguments.classes)"),
        ("threads", "\(Engine.threadCount)"),
        ("unfrozen_blocks", "[" + unfrozenBlocks.map { "\"\($0)\"" }.joined(separator: ", ") + "]"),
        ("trainable_layers", "\(trainableLayers.count)"), ("trainable_parameters", "\(trainableScalars)"),
        ("median_s", String(format: "%.6f", median)), ("images_per_s", String(format: "%.3f", imagesPerSecond)),
        ("runs", "\(runs)"), ("min_s", String(format: "%.6f", times.first!)), ("max_s", String(format: "%.6f", times.last!)),
        ("first_run_s", String(format: "%.6f", warmup[0])),
        ("phases_s", jsonObject([("zero_gradients", String(format: "%.6f", zero)), ("forward", String(format: "%.6f", forward)), ("loss_backward", String(format: "%.6f", backward)),
                                 ("optimizer", String(format: "%.6f", optimizer))])),
        ("max_rss_mb", String(format: "%.1f", rssMB)),
        ("first_loss", String(format: "%.6g", losses.first ?? .nan)), ("last_loss", String(format: "%.6g", losses.last ?? .nan)),
        ("loss_finite", finite ? "true" : "false"),
    ])
}

private func timeThrowing(_ body: () throws -> Void) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
