import Foundation
import Imaging

/// What a run did, written as `report.json` beside its main output (DESIGN.md) so that a
/// result can be traced to the exact model file, data, settings and code version that made it.
///
/// Keys are the property names (camelCase) and are part of the documented output format;
/// dates are ISO 8601 in UTC; a non-finite number (a diverged loss) is written as the string
/// "NaN", "Infinity" or "-Infinity", since JSON has no literal for it.
public struct RunReport: Codable, Sendable, Equatable {
    /// The subcommand, e.g. "retrain-head".
    public var command: String
    /// The command line after the executable's name, as typed.
    public var arguments: [String]
    public var tlVersion: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// Wall-clock seconds per stage, in the order the stages ran.
    public var stages: [StageTiming]
    /// Settings that shape the result (learning rate, epochs, image size...), as given or defaulted.
    public var hyperparameters: [String: String]
    public var seed: UInt64?
    public var model: ModelFingerprint?
    public var dataset: DatasetSummary?
    /// Files the run could not use, each with the reason.
    public var skippedFiles: [FileIssue]
    public var epochs: [EpochRecord]
    public var metrics: ClassificationMetrics?
    /// What the run wrote, by role ("model", "confusionMatrixPlot", ...) → path.
    public var outputs: [String: String]

    public init(command: String, arguments: [String] = [], tlVersion: String, startedAt: Date = Date()) {
        self.command = command
        self.arguments = arguments
        self.tlVersion = tlVersion
        self.startedAt = startedAt
        self.stages = []
        self.hyperparameters = [:]
        self.skippedFiles = []
        self.epochs = []
        self.outputs = [:]
    }

    /// Runs `body` and records its wall-clock time under `stage`, even when it throws, so a
    /// failed run's report still shows where the time went.
    public mutating func timing<Result>(_ stage: String, _ body: () throws -> Result) rethrows -> Result {
        let start = DispatchTime.now()
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            stages.append(StageTiming(name: stage, seconds: seconds))
        }
        return try body()
    }

    /// Pretty-printed, sorted keys, so two reports diff line by line.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Writes through a temporary file in the same folder, renamed into place when complete.
    public func write(to url: URL) throws {
        try AtomicFile.write(jsonData(), to: url)
    }

    public static func read(from url: URL) throws -> RunReport {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw UnreadableFileError(path: url.path, reason: "\((error as NSError).localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(RunReport.self, from: data)
    }
}

public struct StageTiming: Codable, Sendable, Equatable {
    /// e.g. "load model", "extract features", "train head".
    public var name: String
    public var seconds: Double

    public init(name: String, seconds: Double) {
        self.name = name
        self.seconds = seconds
    }
}

/// Which model file a run used, by content: the path alone does not say whether the file
/// was replaced since.
public struct ModelFingerprint: Codable, Sendable, Equatable {
    public var path: String
    /// Lowercase hexadecimal, as `sha256sum` prints it.
    public var sha256: String
    /// e.g. "EfficientNetLite0", when known.
    public var architecture: String?

    public init(path: String, sha256: String, architecture: String? = nil) {
        self.path = path
        self.sha256 = sha256
        self.architecture = architecture
    }
}

/// A file that was not used, and why (not an image, unreadable, corrupt...).
public struct FileIssue: Codable, Sendable, Equatable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// The images a run saw: where from, and how many of each class in each split.
public struct DatasetSummary: Codable, Sendable, Equatable {
    /// The folder or CSV file the dataset was listed from.
    public var source: String?
    public var classNames: [String]
    public var splits: [SplitSummary]
    /// Files in the dataset folder that were not images (or not in a class folder).
    public var ignoredFiles: [FileIssue]

    public init(source: String? = nil, classNames: [String], splits: [SplitSummary] = [],
                ignoredFiles: [FileIssue] = []) {
        self.source = source
        self.classNames = classNames
        self.splits = splits
        self.ignoredFiles = ignoredFiles
    }
}

public struct SplitSummary: Codable, Sendable, Equatable {
    /// "train", "validation" or "test".
    public var name: String
    /// Class name → number of samples; every class appears, with 0 if it has none.
    public var countsPerClass: [String: Int]
    public var total: Int

    public init(name: String, countsPerClass: [String: Int]) {
        self.name = name
        self.countsPerClass = countsPerClass
        self.total = countsPerClass.values.reduce(0, +)
    }

    /// Counts `labels` (indices into `classNames`).
    public init(name: String, labels: [Int], classNames: [String]) {
        var counts = Dictionary(uniqueKeysWithValues: classNames.map { ($0, 0) })
        for label in labels { counts[classNames[label], default: 0] += 1 }
        self.init(name: name, countsPerClass: counts)
    }
}
