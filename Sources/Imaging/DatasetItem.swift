import CNN
import Foundation

/// One image of a dataset: where it is and, when known, its class index.
public struct DatasetItem: Sendable, Hashable {
    public var url: URL
    /// Index into the dataset's `classNames`; nil for unlabeled images (prediction).
    public var label: Int?

    public init(url: URL, label: Int? = nil) {
        self.url = url
        self.label = label
    }

    public var path: String { url.path }
}

/// The three parts a labeled dataset can be divided into.
public enum DatasetSplit: String, Sendable, CaseIterable {
    case train
    case validation = "val"
    case test

    /// The values a CSV `split` column may hold (case-insensitive).
    init?(csvValue: String) {
        switch csvValue.lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation": self = .validation
        case "test", "testing": self = .test
        default: return nil
        }
    }
}

extension Array where Element == DatasetItem {
    /// The items in an order that depends only on (seed, epoch): the usual per-epoch shuffle
    /// of training data, reproducible and independent of the Swift standard library's algorithms.
    public func shuffled(seed: UInt64, epoch: Int) -> [DatasetItem] {
        var generator = SeededGenerator(seed: mixed(mixed(seed ^ 0xBB67_AE85_84CA_A73B) ^ UInt64(bitPattern: Int64(epoch))))
        var result = self
        result.shuffleInPlace(using: &generator)
        return result
    }
}

extension Array {
    /// Fisher–Yates, written out so that a seed gives the same order on every platform and release.
    mutating func shuffleInPlace(using generator: inout SeededGenerator) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = generator.uniformIndex(below: i + 1)
            if i != j { swapAt(i, j) }
        }
    }
}
