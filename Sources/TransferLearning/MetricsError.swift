import Foundation

/// Inputs from which classification metrics cannot be computed.
public enum MetricsError: LocalizedError, Equatable, Sendable {
    case tooFewClasses(Int)
    case noSamples
    case shape([Int], expectedClasses: Int, expectedSamples: Int? = nil)
    case rowLength(row: Int, count: Int, classCount: Int)
    case labelOutOfRange(sample: Int, label: Int, classCount: Int)
    case nonFiniteScore(sample: Int, classIndex: Int)

    public var errorDescription: String? {
        switch self {
        case .tooFewClasses(let count):
            return "metrics need at least 2 classes, got \(count)"
        case .noSamples:
            return "metrics need at least one sample"
        case let .shape(shape, classes, samples):
            let expected = samples.map { "(\($0), \(classes))" } ?? "(N, \(classes))"
            return "probabilities have shape \(shape), expected \(expected)"
        case let .rowLength(row, count, classCount):
            return "probabilities of sample \(row) have \(count) values, expected \(classCount)"
        case let .labelOutOfRange(sample, label, classCount):
            return "sample \(sample) has label \(label), outside 0..<\(classCount)"
        case let .nonFiniteScore(sample, classIndex):
            return "the probability of class \(classIndex) for sample \(sample) is not a finite number"
        }
    }
}
