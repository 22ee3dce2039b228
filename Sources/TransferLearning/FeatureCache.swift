import CNN
import Foundation
import HDF5

/// Backbone features kept on disk, so a second `retrain-head` with other
/// hyper-parameters runs no forward pass through the backbone.
///
/// One HDF5 file per key (model hash, layer, pooling, input spec, augmentation view);
/// inside, one row per image, identified by its absolute path, size and modification
/// time, so an edited or replaced image is computed again.
public final class FeatureCache {
    public let url: URL
    public let dimension: Int
    private var rows: [String: [Float]] = [:]
    private var added = 0

    /// `key` names everything that changes the features apart from the image itself.
    public init(directory: URL, key: String, dimension: Int) throws {
        let name = SHA256.hexDigest(of: Data(key.utf8)).prefix(24)
        url = directory.appendingPathComponent("features-\(name).h5")
        self.dimension = dimension
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        // A cache that cannot be read is rebuilt rather than trusted.
        do {
            let file = try File(opening: url.path)
            let ids = try file.dataset(at: "ids").readStrings()
            let features = try file.dataset(at: "features")
            guard features.shape.count == 2, features.shape[1] == dimension, features.shape[0] == ids.count else { return }
            let values = try features.readFloats()
            for (row, id) in ids.enumerated() {
                rows[id] = Array(values[(row * dimension)..<((row + 1) * dimension)])
            }
        } catch {
            rows = [:]
        }
    }

    public var count: Int { rows.count }

    /// The identity of an image file as the cache sees it; nil if it cannot be read.
    public static func identity(of url: URL) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? NSNumber,
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return "\(url.standardizedFileURL.path)\t\(size.int64Value)\t\(modified.timeIntervalSince1970)"
    }

    public func features(for identity: String) -> [Float]? { rows[identity] }

    public func insert(_ features: [Float], for identity: String) {
        precondition(features.count == dimension)
        if rows.updateValue(features, forKey: identity) == nil { added += 1 }
    }

    /// Writes the cache if anything was added (to a temporary file, then renamed).
    public func save() throws {
        guard added > 0 else { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let ids = rows.keys.sorted()
        var values = [Float]()
        values.reserveCapacity(ids.count * dimension)
        for id in ids { values.append(contentsOf: rows[id]!) }
        try File.writeAtomically(to: url.path) { file in
            try file.createDataset(at: "ids", strings: ids, storage: .variableLength)
            try file.createDataset(at: "features", values: values, shape: [ids.count, dimension])
        }
        added = 0
    }
}
