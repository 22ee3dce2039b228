import Foundation

/// Errors of the transfer-learning commands, each naming the file or option concerned.
public enum TransferLearningError: Error, LocalizedError, Equatable {
    case missingDefaultModel(String)
    case invalidFile(path: String, reason: String)
    case noClassifier(model: String)
    case noFeatureLayer(model: String)
    case unknownLayer(model: String, layer: String)
    case unknownArchitecture(model: String)
    case tooManyBlocks(requested: Int, available: Int, model: String)
    case noBlocks(model: String)
    case emptyDataset(String)
    case invalidOption(String)

    public var errorDescription: String? {
        switch self {
        case let .missingDefaultModel(path):
            return "the default model is missing (\(path)); run `make demo` or `bash models/build.sh` to build it"
        case let .invalidFile(path, reason):
            return "\(path): \(reason)"
        case let .noClassifier(model):
            return "\(model): the model has no classifier (its output is not a class-probability vector); use `tl retrain-head` to add one, or `tl extract-features`"
        case let .noFeatureLayer(model):
            return "\(model): cannot find a pooled feature layer; name one with --layer"
        case let .unknownLayer(model, layer):
            return "\(model): no layer named '\(layer)' (see `tl info \(model)`)"
        case let .unknownArchitecture(model):
            return "\(model): a weights-only file whose architecture tl does not recognise; give it with --arch (see `tl info --help`)"
        case let .tooManyBlocks(requested, available, model):
            return "--unfreeze \(requested) is larger than the \(available) blocks of \(model) (see `tl info \(model)`)"
        case let .noBlocks(model):
            return "\(model): tl does not know the blocks of this model, so it cannot unfreeze the top N; use a zoo architecture or a model saved by tl"
        case let .emptyDataset(what):
            return what
        case let .invalidOption(what):
            return what
        }
    }
}
