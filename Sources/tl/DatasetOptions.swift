import ArgumentParser
import Foundation
import Imaging

/// The labelled data a training or evaluation command reads.
struct DatasetOptionGroup: ParsableArguments {
    @Argument(help: ArgumentHelp("A folder with one sub-folder of images per class, or a CSV file with path,label[,split] columns.", valueName: "data"))
    var data: String

    // Unconditional, so `--val-split -0.1` reaches the range check below instead of reading as an option.
    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Fraction of each class held out for validation (stratified).", valueName: "fraction"))
    var valSplit = 0.2

    @Option(name: .long, help: ArgumentHelp("A separate validation folder or CSV (instead of --val-split).", valueName: "data"))
    var val: String?

    func validate() throws {
        guard FileManager.default.fileExists(atPath: data) else { throw ValidationError("\(data): no such folder or file") }
        guard valSplit >= 0 && valSplit < 1 else { throw ValidationError("--val-split must be at least 0 and below 1") }
    }

    func load(seed: UInt64) throws -> Dataset {
        let loader = DatasetLoader(validationSplit: val == nil ? valSplit : 0, seed: seed,
                                   validationSource: val.map { URL(fileURLWithPath: $0) })
        return try loader.load(from: URL(fileURLWithPath: data))
    }
}

/// Where a run writes: the model file, and beside it report.json and the plots.
struct OutputLocation {
    let model: URL
    var folder: URL { model.deletingLastPathComponent() }
    var report: URL { folder.appendingPathComponent("report.json") }
    var curves: URL { folder.appendingPathComponent("training_curves.png") }
    var confusion: URL { folder.appendingPathComponent("confusion_matrix.png") }

    init(_ path: String) throws {
        model = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIError("--output \(path) is a folder; give a file name such as \(path)/model.h5")
        }
        try createOutputFolder(folder, for: "--output \(path)")
        guard FileManager.default.isWritableFile(atPath: folder.path) else {
            throw CLIError("--output \(path): the folder \(folder.path) is not writable")
        }
    }
}

/// Creates `folder` and its parents for an output, or fails with one line naming them
/// (Foundation's own error prints as an NSError dump).
func createOutputFolder(_ folder: URL, for option: String) throws {
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
        let error = error as NSError
        var reason = error.localizedFailureReason ?? error.localizedDescription
        if let underlying = (error.userInfo[NSUnderlyingErrorKey] as? Error).map({ $0 as NSError }),
           underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        }
        throw CLIError("\(option): cannot create the folder \(folder.path) (\(reason))")
    }
}

/// The default feature cache: $XDG_CACHE_HOME/tl or ~/.cache/tl. Entries are keyed by the
/// model's SHA-256, so one cache serves every model and project.
func defaultCacheDirectory() -> URL {
    let environment = ProcessInfo.processInfo.environment
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
        return URL(fileURLWithPath: xdg).appendingPathComponent("tl/features")
    }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tl/features")
}

func printDatasetSummary(_ dataset: Dataset, quiet: Bool) {
    warnLines(dataset.summary.description)
    for warning in dataset.warnings { warn("warning: \(warning)") }
}

func warnLines(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
