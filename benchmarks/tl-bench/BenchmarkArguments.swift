import CNN
import Foundation

struct BenchmarkArguments {
    var threads: Int?
    var batch = 32
    var repetitions = 5
    /// The folder of JPEGs and PNGs for `decode` (benchmarks/make_decode_images.py).
    var images: String?
    /// The model whose forward pass `decode` sets the loader against (nil: the default model).
    var model: String?
    /// `decode` runs only when named, or when `--images` is given.
    var sections: Set<String> = ["conv", "depthwise", "memory"]
    // The forward section (whole networks; not in the default set).
    var weightsDirectory: String?
    var lite0Path = "models/efficientnet_lite0.h5"
    var models = ["resnet50", "mobilenetv2", "efficientnet-lite0"]
    var batches = [1, 32]
    var minimumSeconds = 3.0
    var byLayer = false
    var fuse = true
    // The train-step section (not in the default set).
    /// Blocks from the top that train, as `tl finetune --unfreeze N`.
    var unfreeze = 3
    /// Classes of the new classifier (the demo set has 3).
    var classes = 3
    /// The models train-step measures: `--models` when given, else ResNet50 alone
    /// (the forward section's default of all three would triple its run time).
    var trainModels = ["resnet50"]

    init<S: Sequence>(_ arguments: S) where S.Element == String {
        var iterator = arguments.makeIterator()
        var chosen = Set<String>()
        while let argument = iterator.next() {
            switch argument {
            case "--threads": threads = iterator.next().flatMap(Int.init)
            case "--batch": batch = iterator.next().flatMap(Int.init) ?? batch
            case "--repeat": repetitions = iterator.next().flatMap(Int.init) ?? repetitions
            case "--images": images = iterator.next()
            case "--model": model = iterator.next()
            case "--weights-dir": weightsDirectory = iterator.next()
            case "--lite0": lite0Path = iterator.next() ?? lite0Path
            case "--models":
                models = iterator.next().map { $0.split(separator: ",").map(String.init) } ?? models
                trainModels = models
            case "--batches": batches = iterator.next().map { $0.split(separator: ",").compactMap { Int($0) } } ?? batches
            case "--min-seconds": minimumSeconds = iterator.next().flatMap(Double.init) ?? minimumSeconds
            case "--by-layer": byLayer = true
            case "--no-fuse": fuse = false
            case "--no-winograd": Engine.usesWinograd = false
            case "--no-onednn": Engine.usesOneDNN = false
            case "--unfreeze": unfreeze = iterator.next().flatMap(Int.init) ?? unfreeze
            case "--classes": classes = iterator.next().flatMap(Int.init) ?? classes
            case "-h", "--help":
                print("usage: tl-bench [conv] [depthwise] [memory] [decode] [--threads N] [--batch N] [--repeat N] [--images DIR] [--model FILE]")
                print("       tl-bench forward [--models resnet50,mobilenetv2,efficientnet-lite0] [--batches 1,32] [--weights-dir DIR] [--lite0 FILE] [--min-seconds S] [--by-layer] [--no-fuse] [--no-winograd] [--no-onednn]")
                print("       tl-bench train-step [--models resnet50] [--batch 32] [--unfreeze 3] [--classes 3] [--weights-dir DIR] [--lite0 FILE] [--min-seconds S]")
                exit(0)
            default: chosen.insert(argument)
            }
        }
        if !chosen.isEmpty { sections = chosen } else if images != nil { sections.insert("decode") }
    }
}

/// Seconds of the median run of `body` (after one warm-up run).
func medianSeconds(repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var times = [Double]()
    for _ in 0..<max(1, repetitions) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}

func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
    let model = text.split(separator: "\n").first { $0.hasPrefix("model name") }
    return model.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
