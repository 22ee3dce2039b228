import Foundation

struct BenchmarkArguments {
    var threads: Int?
    var batch = 32
    var repetitions = 5
    var sections: Set<String> = ["conv", "depthwise", "memory"]

    init<S: Sequence>(_ arguments: S) where S.Element == String {
        var iterator = arguments.makeIterator()
        var chosen = Set<String>()
        while let argument = iterator.next() {
            switch argument {
            case "--threads": threads = iterator.next().flatMap(Int.init)
            case "--batch": batch = iterator.next().flatMap(Int.init) ?? batch
            case "--repeat": repetitions = iterator.next().flatMap(Int.init) ?? repetitions
            case "-h", "--help":
                print("usage: tl-bench [conv] [depthwise] [memory] [--threads N] [--batch N] [--repeat N]")
                exit(0)
            default: chosen.insert(argument)
            }
        }
        if !chosen.isEmpty { sections = chosen }
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
