/// A labeled image collection divided into training, validation and (optionally) test
/// parts, with the class names that the labels index. Items are in a deterministic order:
/// by class, then by path. Built by `DatasetLoader`.
public struct Dataset: Sendable, Equatable {
    /// Sorted; `DatasetItem.label` indexes this array.
    public var classNames: [String]
    public var train: [DatasetItem]
    public var validation: [DatasetItem]
    public var test: [DatasetItem]
    /// Files the folder listing skipped (always empty for a CSV manifest).
    public var ignored: IgnoredFiles
    /// Problems worth telling the user that do not stop training, such as a class with no
    /// validation images.
    public var warnings: [String]

    public init(classNames: [String], train: [DatasetItem], validation: [DatasetItem] = [],
                test: [DatasetItem] = [], ignored: IgnoredFiles = IgnoredFiles(), warnings: [String] = []) {
        self.classNames = classNames
        self.train = train
        self.validation = validation
        self.test = test
        self.ignored = ignored
        self.warnings = warnings
    }

    public subscript(split: DatasetSplit) -> [DatasetItem] {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    public var summary: DatasetSummary { DatasetSummary(self) }
}
