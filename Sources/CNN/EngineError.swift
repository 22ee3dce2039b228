import Foundation

/// Errors the engine raises when a graph or an input does not fit.
public enum EngineError: Error, LocalizedError, Equatable {
    case shapeMismatch(what: String, expected: [Int], actual: [Int])
    case invalidConfiguration(layer: String, reason: String)
    case unknownLayer(String)
    case notTrainedForward(layer: String)

    public var errorDescription: String? {
        switch self {
        case let .shapeMismatch(what, expected, actual):
            return "\(what): expected shape \(expected), got \(actual)"
        case let .invalidConfiguration(layer, reason):
            return "layer '\(layer)': \(reason)"
        case let .unknownLayer(name):
            return "no layer named '\(name)'"
        case let .notTrainedForward(layer):
            return "layer '\(layer)': backward called without a training forward pass"
        }
    }
}
