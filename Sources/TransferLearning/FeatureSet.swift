import CNN
import Foundation
import Imaging

/// Feature vectors of a list of images, aligned with the images that could be read.
public struct FeatureSet {
    public var features: Tensor  // (N, D)
    public var items: [DatasetItem]
    public var skipped: [SkippedImage]
    /// How many images were taken from the cache rather than computed.
    public var cacheHits: Int

    public var labels: [Int] { items.map { $0.label ?? -1 } }
}

/// Computes features through the streaming loader, taking what it can from a cache.
public struct FeatureComputation {
    public let extractor: FeatureExtractor
    public let pipeline: ImagePipeline
    public let batchSize: Int
    public let strict: Bool

    public init(extractor: FeatureExtractor, pipeline: ImagePipeline, batchSize: Int = 32, strict: Bool = false) {
        self.extractor = extractor
        self.pipeline = pipeline
        self.batchSize = batchSize
        self.strict = strict
    }

    /// The cache key: everything but the image that changes a feature vector.
    public func cacheKey(view: Int?) throws -> String {
        let augmentation = view.map { "view \($0) of \(pipeline.augmenter.map { "\($0.augmentations) seed \($0.seed)" } ?? "none")" } ?? "no augmentation"
        return [try extractor.model.sha256, extractor.layerName, extractor.pooling.rawValue,
                extractor.model.externalPreprocessing.rawValue, pipeline.spec.summary, "alpha \(pipeline.decoder.options.alpha)",
                augmentation].joined(separator: "|")
    }

    /// Features of `items`; `view` selects a seeded augmented view (as the epoch of the augmenter).
    public func compute(_ items: [DatasetItem], view: Int? = nil, cache: FeatureCache?,
                        onProgress: (Int) -> Void = { _ in }, onSkip: @escaping (SkippedImage) -> Void = { _ in }) throws -> FeatureSet {
        let dimension = extractor.dimension
        // One (N, D) matrix filled in place: the features are the only memory that grows with N.
        var scalars = [Float](repeating: 0, count: items.count * dimension)
        var present = [Bool](repeating: false, count: items.count)
        var missing = [Int]()
        let identities = items.map { FeatureCache.identity(of: $0.url) }
        for (index, identity) in identities.enumerated() {
            if let identity, let cached = cache?.features(for: identity) {
                scalars.replaceSubrange((index * dimension)..<((index + 1) * dimension), with: cached)
                present[index] = true
            } else {
                missing.append(index)
            }
        }
        let hits = items.count - missing.count
        onProgress(hits)
        let skipped = try stream(missing.map { items[$0] }, view: view, onProgress: onProgress, onSkip: onSkip) { features, rows in
            features.withPointer { values in
                for (row, local) in rows.enumerated() {
                    let index = missing[local]
                    let vector = UnsafeBufferPointer(start: values + row * dimension, count: dimension)
                    scalars.replaceSubrange((index * dimension)..<((index + 1) * dimension), with: vector)
                    present[index] = true
                    if let identity = identities[index] { cache?.insert(Array(vector), for: identity) }
                }
            }
        }.map { SkippedImage(index: missing[$0.index], path: $0.path, reason: $0.reason) }
        if !missing.isEmpty { try cache?.save() }
        // Skipped images leave gaps: move the kept rows up, in order.
        var kept = [DatasetItem]()
        scalars.withUnsafeMutableBufferPointer { matrix in
            for index in items.indices where present[index] {
                if kept.count != index {
                    (matrix.baseAddress! + kept.count * dimension).update(from: matrix.baseAddress! + index * dimension, count: dimension)
                }
                kept.append(items[index])
            }
        }
        scalars.removeLast((items.count - kept.count) * dimension)
        return FeatureSet(features: Tensor(shape: [kept.count, dimension], scalars: scalars), items: kept,
                          skipped: skipped, cacheHits: hits)
    }

    /// Computes the features of `items` batch by batch and hands each batch to `body` as
    /// (features (n, D), the positions in `items` of its rows), in order: for writers that must
    /// not hold every row. Returns the images that could not be read.
    public func stream(_ items: [DatasetItem], view: Int? = nil, onProgress: (Int) -> Void = { _ in },
                       onSkip: @escaping (SkippedImage) -> Void = { _ in },
                       body: (_ features: Tensor, _ rows: [Int]) throws -> Void) throws -> [SkippedImage] {
        guard !items.isEmpty else { return [] }
        let loader = BatchLoader(items: items, pipeline: pipeline, batchSize: batchSize, epoch: view ?? 0, strict: strict,
                                 onSkip: onSkip)
        while let batch = try loader.nextBatch() {
            try body(try extractor.features(of: batch.images), batch.indices)
            onProgress(batch.count + batch.skipped.count)
        }
        return loader.skipped.map { SkippedImage(index: $0.index, path: $0.path, reason: $0.reason) }
    }

}
