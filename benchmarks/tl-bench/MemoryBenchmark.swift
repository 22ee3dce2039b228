import CNN
import Foundation
import Zoo

/// Peak memory of a forward pass: activations are released as soon as their last
/// consumer has run, and gradients are allocated only when training, so the peak should
/// stay within a small multiple of the weights plus the two largest activations.
func runMemoryBenchmark(_ arguments: BenchmarkArguments) {
    print("## Peak memory of a batch-\(arguments.batch) forward pass (ResNet50, 224×224)")
    let before = maxResidentBytes()
    let zoo = try! Architecture.resnet50.build(ZooOptions(includeTop: true))
    let weights = zoo.graph.parameters.reduce(0) { $0 + $1.value.count } * 4
    var largest = [Int]()
    for node in zoo.graph.nodes { largest.append(node.outputShape.reduce(1, *) * arguments.batch * 4) }
    largest.sort(by: >)
    let budget = weights + largest[0] + largest[1]
    var generator = SeededGenerator(seed: 3)
    let input = generator.uniformTensor(shape: [arguments.batch, 224, 224, 3], low: -1, high: 1)
    let started = Date()
    _ = try! zoo.graph.forward(input)
    let seconds = Date().timeIntervalSince(started)
    let peak = maxResidentBytes()
    func mb(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1e6) }
    print("| weights | two largest activations | input | peak RSS (process) | peak / (weights + two largest) | forward |")
    print("|---:|---:|---:|---:|---:|---:|")
    print("| \(mb(weights)) | \(mb(largest[0] + largest[1])) | \(mb(input.count * 4)) | \(mb(peak)) | \(String(format: "%.2f", Double(peak) / Double(budget))) | \(String(format: "%.2f s, %.1f images/s", seconds, Double(arguments.batch) / seconds)) |")
    print("(RSS before building the network: \(mb(before)))")
    // Warm passes, timed per layer kind, without and with the inference fusion.
    for fused in [false, true] {
        if fused { zoo.graph.fuseForInference() }
        var byKind = [String: Double]()
        zoo.graph.layerTimer = { layer, seconds in byKind[String(describing: type(of: layer)), default: 0] += seconds }
        let warmStart = Date()
        _ = try! zoo.graph.forward(input)
        let warm = Date().timeIntervalSince(warmStart)
        zoo.graph.layerTimer = nil
        print("")
        print("Warm pass\(fused ? " with batch normalization and ReLU fused into the convolutions" : ""): \(String(format: "%.2f s, %.1f images/s", warm, Double(arguments.batch) / warm)); time by layer kind:")
        for (kind, seconds) in byKind.sorted(by: { $0.value > $1.value }) where seconds > 0.0005 {
            print("  \(kind.padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(format: "%6.3f s  %5.1f%%", seconds, 100 * seconds / warm))")
        }
    }
    print("")
}

func maxResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
