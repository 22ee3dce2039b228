import Foundation

/// What can be wrong with a Keras file, always with the file (and layer) it concerns.
public enum KerasFormatError: Error, LocalizedError, Equatable {
    case notKeras(file: String, reason: String)
    case invalidConfig(file: String, reason: String)
    case unsupportedLayer(file: String, layer: String, className: String)
    case unsupportedOption(file: String, layer: String, reason: String)
    case weightCountMismatch(file: String, expected: Int, found: Int, firstDifference: String)
    case weightShapeMismatch(file: String, layer: String, weight: String, expected: [Int], actual: [Int])
    case missingWeights(file: String, layer: String)
    /// One layer's stored weights and the model layer's parameters differ in number.
    case layerWeightCountMismatch(file: String, layer: String, expected: [String], found: [String])

    public var errorDescription: String? {
        switch self {
        case let .notKeras(file, reason):
            return "\(file): not a Keras model or weights file (\(reason))"
        case let .invalidConfig(file, reason):
            return "\(file): invalid model_config: \(reason)"
        case let .unsupportedLayer(file, layer, className):
            return "\(file): layer '\(layer)' is a \(className), which tl does not support"
        case let .unsupportedOption(file, layer, reason):
            return "\(file): layer '\(layer)': \(reason)"
        case let .weightCountMismatch(file, expected, found, first):
            return "\(file): the model has \(expected) layers with weights, the file \(found); first difference: \(first)"
        case let .weightShapeMismatch(file, layer, weight, expected, actual):
            return "\(file): layer '\(layer)' weight '\(weight)': the model expects shape \(expected), the file has \(actual)"
        case let .missingWeights(file, layer):
            return "\(file): no weights for layer '\(layer)'"
        case let .layerWeightCountMismatch(file, layer, expected, found):
            return "\(file): layer '\(layer)' has \(expected.count) weights in the model \(expected), "
                + "\(found.count) in the file \(found)"
        }
    }
}
