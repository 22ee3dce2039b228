import CNN

/// A run of consecutive items from a `BatchLoader`'s list, decoded and preprocessed.
/// Rows of `images`, `items` and `indices` correspond; skipped files leave no row.
public struct Batch: Sendable {
    /// 0-based position of the batch in the loader's sequence (`indices` ⊂ number × size ..< …).
    public let number: Int
    /// `(count, height, width, 3)`, preprocessed as the input spec says.
    public let images: Tensor
    public let items: [DatasetItem]
    /// Each row's position in the loader's item list.
    public let indices: [Int]
    /// Files in this batch's range that could not be used, in list order.
    public let skipped: [SkippedImage]

    public var count: Int { items.count }
    public var labels: [Int?] { items.map(\.label) }
}

/// A file the loader left out, and why.
public struct SkippedImage: Sendable, Equatable, CustomStringConvertible {
    /// Position in the loader's item list.
    public let index: Int
    public let path: String
    /// The reason alone ("truncated PNG file", "not a PNG or JPEG image", …).
    public let reason: String

    public init(index: Int, path: String, reason: String) {
        self.index = index
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
