import CNN
import Foundation
import KerasFormat
import Zoo

// Whole-network forward throughput (issue 6): images/s at 224×224 for ResNet50,
// MobileNetV2 and EfficientNet-Lite0 at each batch size, the number that
// benchmarks/bench_peers.sh sets beside TensorFlow-Keras and ONNX Runtime.
//
// The models are exactly the peers' models: ResNet50 and MobileNetV2 from the
// tf_keras weights files that benchmarks/peers/keras_forward.py writes
// (--weights-dir DIR with resnet50.h5 and mobilenetv2.h5, loaded onto the zoo graph
// without preprocessing layers, as keras.applications builds them), and Lite0 as the
// full model in models/efficientnet_lite0.h5. Without a file, the zoo builds the
// network and fills it with seeded random values (never zeros, which could take fast
// paths: BN variances and gammas in [0.5, 1.5), kernels LeCun-uniform).
//
// As `tl predict` and `tl extract-features` do, batch normalizations and ReLUs that
// follow a convolution are fused into it for inference (`--no-fuse`: run every layer).
//
// The input is the deterministic pattern the peer scripts use too, so the first
// outputs printed in the JSON lines can be compared across frameworks.
//
// Output: a markdown table and one JSON line per measurement (lines starting with '{').
// max RSS is the process's peak so far: run one model and batch per process for a
// per-model figure (bench_peers.sh does).

struct ForwardModel {
    var name: String
    var graph: Graph
    var weights: String
}

func runForwardBenchmark(_ arguments: BenchmarkArguments) {
    print("## Forward pass, 224×224, images/s (median after warm-up)")
    print("| model | weights | batch | median s/batch | images/s | runs | max RSS |")
    print("|---|---|---:|---:|---:|---:|---:|")
    var jsonLines = [String]()
    var layerTables = [String]()
    for name in arguments.models {
        let model: ForwardModel
        do {
            model = try loadForwardModel(name, arguments: arguments)
        } catch {
            print("| \(name) | error: \(error.localizedDescription) | | | | | |")
            continue
        }
        if arguments.fuse { model.graph.fuseForInference(preserving: [model.graph.outputNode]) }
        for batch in arguments.batches {
            let input = benchmarkInput(batch: batch, shape: model.graph.inputShape, scale: name == "efficientnet-lite0" ? .pixels : .symmetric)
            var output = Tensor(zeros: [1])
            // Two warm-up passes: the first one faults in the activation buffers.
            var warmup = [Double]()
            for _ in 0..<2 {
                warmup.append(timeSeconds { output = try! model.graph.forward(input) })
            }
            let runs = repetitionCount(minimum: arguments.repetitions, firstRun: warmup[1], minimumSeconds: arguments.minimumSeconds)
            var times = [Double]()
            for _ in 0..<runs {
                times.append(timeSeconds { output = try! model.graph.forward(input) })
            }
            times.sort()
            let median = times[times.count / 2]
            let rssMB = Double(maxResidentBytes()) / 1e6
            let imagesPerSecond = Double(batch) / median
            print("| \(model.name) | \(model.weights) | \(batch) | \(String(format: "%.4f", median)) | \(String(format: "%.1f", imagesPerSecond)) | \(runs) | \(String(format: "%.0f MB", rssMB)) |")
            let head = output.withUnsafeBufferPointer { Array($0.prefix(5)) }
            let finite = output.withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) }
            jsonLines.append(jsonObject([
                ("bench", "\"forward\""), ("framework", "\"tl\""), ("model", "\"\(model.name)\""),
                ("weights", "\"\(model.weights)\""), ("fused", model.graph.isFused ? "true" : "false"), ("batch", "\(batch)"), ("threads", "\(Engine.threadCount)"),
                ("median_s", String(format: "%.6f", median)), ("images_per_s", String(format: "%.3f", imagesPerSecond)),
                ("runs", "\(runs)"), ("min_s", String(format: "%.6f", times.first!)), ("max_s", String(format: "%.6f", times.last!)),
                ("first_run_s", String(format: "%.6f", warmup[0])),
                ("max_rss_mb", String(format: "%.1f", rssMB)),
                ("output_head", "[" + head.map { String(format: "%.7g", $0) }.joined(separator: ", ") + "]"),
                ("output_finite", finite ? "true" : "false"),
            ]))
            if arguments.byLayer {
                layerTables.append(layerBreakdown(model, input: input))
            }
        }
    }
    print("")
    for line in jsonLines { print(line) }
    for table in layerTables { print(""); print(table) }
    print("")
}

/// Three forward passes timed per layer kind (convolutions split by kernel size), averaged.
func layerBreakdown(_ model: ForwardModel, input: Tensor) -> String {
    let passes = 3
    var byKind = [String: (seconds: Double, count: Int)]()
    var byLayer = [String: (seconds: Double, kind: String)]()
    model.graph.layerTimer = { layer, seconds in
        byLayer[layer.name, default: (0, "")].seconds += seconds
        var kind = String(describing: type(of: layer))
        if let conv = layer as? Conv2D {
            kind += " \(conv.geometry.kernelHeight)x\(conv.geometry.kernelWidth)"
            if conv.geometry.strideY > 1 { kind += "/\(conv.geometry.strideY)" }
        } else if let activation = layer as? Activation {
            kind += " \(activation.kind)"
        }
        byKind[kind, default: (0, 0)].seconds += seconds
        byKind[kind, default: (0, 0)].count += 1
        if let conv = layer as? Conv2D { kind += " \(conv.inputChannels)→\(conv.filters)" }
        if let depthwise = layer as? DepthwiseConv2D { kind += " \(depthwise.geometry.kernelHeight)x\(depthwise.geometry.kernelWidth)/\(depthwise.geometry.strideY) \(depthwise.inputChannels)" }
        byLayer[layer.name]!.kind = kind
    }
    let total = timeSeconds {
        for _ in 0..<passes { _ = try! model.graph.forward(input) }
    } / Double(passes)
    model.graph.layerTimer = nil
    for (kind, entry) in byKind { byKind[kind] = (entry.seconds / Double(passes), entry.count / passes) }
    var lines = ["### \(model.name), batch \(input.shape[0]): \(String(format: "%.3f s", total)) per pass (mean of \(passes)), by layer kind",
                 "| layer kind | layers | seconds | share |", "|---|---:|---:|---:|"]
    for (kind, entry) in byKind.sorted(by: { $0.value.seconds > $1.value.seconds }) {
        lines.append("| \(kind) | \(entry.count) | \(String(format: "%.4f", entry.seconds)) | \(String(format: "%.1f%%", 100 * entry.seconds / total)) |")
    }
    lines += ["", "The 15 slowest layers:", "| layer | kind | seconds | share |", "|---|---|---:|---:|"]
    for (name, entry) in byLayer.sorted(by: { $0.value.seconds > $1.value.seconds }).prefix(15) {
        let seconds = entry.seconds / Double(passes)
        lines.append("| \(name) | \(entry.kind) | \(String(format: "%.4f", seconds)) | \(String(format: "%.1f%%", 100 * seconds / total)) |")
    }
    return lines.joined(separator: "\n")
}

func loadForwardModel(_ name: String, arguments: BenchmarkArguments) throws -> ForwardModel {
    switch name {
    case "resnet50", "mobilenetv2":
        let architecture: Architecture = name == "resnet50" ? .resnet50 : .mobilenetV2
        let zoo = try architecture.build(ZooOptions(includeTop: true))
        if let directory = arguments.weightsDirectory {
            let path = (directory as NSString).appendingPathComponent("\(name).h5")
            let file = try KerasFile(path: path)
            let model = KerasModel(graph: zoo.graph, name: name, classNames: zoo.kerasClassNames)
            try KerasLoader.loadWeights(file, into: model, matching: .exactNames)
            return ForwardModel(name: name, graph: zoo.graph, weights: path)
        }
        fillWithRandomValues(zoo.graph, seed: 6)
        return ForwardModel(name: name, graph: zoo.graph, weights: "random")
    case "efficientnet-lite0":
        if FileManager.default.fileExists(atPath: arguments.lite0Path) {
            let model = try KerasLoader.loadFullModel(KerasFile(path: arguments.lite0Path))
            return ForwardModel(name: name, graph: model.graph, weights: arguments.lite0Path)
        }
        let zoo = try Architecture.efficientnetLite0.build(ZooOptions(includeTop: true))
        fillWithRandomValues(zoo.graph, seed: 6)
        return ForwardModel(name: name, graph: zoo.graph, weights: "random")
    default:
        throw EngineError.invalidConfiguration(layer: name, reason: "unknown model (resnet50, mobilenetv2, efficientnet-lite0)")
    }
}

/// Seeded non-zero values: BN variances and gammas in [0.5, 1.5), means, betas and
/// biases in [-0.05, 0.05), kernels uniform with variance 1 / fan-in.
func fillWithRandomValues(_ graph: Graph, seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    for layer in graph.layers {
        for parameter in layer.parameters {
            let shape = parameter.shape
            switch parameter.name {
            case "moving_variance", "gamma":
                parameter.value = generator.uniformTensor(shape: shape, low: 0.5, high: 1.5)
            case "moving_mean", "beta", "bias":
                parameter.value = generator.uniformTensor(shape: shape, low: -0.05, high: 0.05)
            default:
                // Conv2D HWIO and Dense (in, out): fan-in is all but the last axis;
                // depthwise (KH, KW, C, M): the window only.
                var fanIn = shape.count >= 2 ? shape.dropLast().reduce(1, *) : max(1, shape.first ?? 1)
                if layer is DepthwiseConv2D, shape.count == 4 { fanIn = shape[0] * shape[1] }
                let bound = Float((3.0 / Double(max(1, fanIn))).squareRoot())
                parameter.value = generator.uniformTensor(shape: shape, low: -bound, high: bound)
            }
        }
    }
}

enum InputScale { case symmetric, pixels }

/// The peers' input pattern: element i (over the whole NHWC batch) is
/// u = ((i · 2654435761) mod 1000003) / 1000003 in [0, 1), computed in double and
/// rounded once; 2u − 1 for the zoo networks (which take preprocessed input), 255u for
/// Lite0 (a full model with its normalization inside).
func benchmarkInput(batch: Int, shape: [Int], scale: InputScale) -> Tensor {
    let fullShape = [batch] + shape
    return Tensor(shape: fullShape) { buffer in
        for i in 0..<buffer.count {
            let u = Double((Int64(i) &* 2_654_435_761) % 1_000_003) / 1_000_003.0
            buffer[i] = Float(scale == .pixels ? u * 255.0 : u * 2.0 - 1.0)
        }
    }
}

/// At least `minimum` runs and at least `minimumSeconds` of measuring, at most 200 runs.
func repetitionCount(minimum: Int, firstRun: Double, minimumSeconds: Double) -> Int {
    let byTime = firstRun > 0 ? Int((minimumSeconds / firstRun).rounded(.up)) : minimum
    return max(max(1, minimum), min(200, byTime))
}

func timeSeconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func jsonObject(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}
