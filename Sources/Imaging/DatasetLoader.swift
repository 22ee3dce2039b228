import Foundation

/// Builds a `Dataset` from a folder (one sub-folder per class) or a CSV manifest
/// (`path,label[,split]`), and divides it:
///
/// - a separate `validationSource` (folder or CSV), when given, is the validation set;
/// - otherwise rows a CSV marks `val` are;
/// - otherwise `validationSplit` of every class is drawn at random (stratified: unlike Keras's
///   `validation_split`, which cuts the shuffled file list, every class keeps its proportion).
///
/// Rows a CSV marks `test` form the test set in every case.
public struct DatasetLoader: Sendable {
    /// Fraction of each class held out for validation when no explicit validation is given;
    /// 0 disables validation.
    public var validationSplit: Double
    public var seed: UInt64
    public var validationSource: URL?

    public init(validationSplit: Double = 0.2, seed: UInt64 = 0, validationSource: URL? = nil) {
        self.validationSplit = validationSplit
        self.seed = seed
        self.validationSource = validationSource
    }

    public func load(from source: URL) throws -> Dataset {
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw DatasetError.invalidValidationSplit(validationSplit)
        }
        let listing = try Self.listing(of: source)
        if let empty = listing.emptyClasses.first {
            throw DatasetError.classWithoutImages(
                className: empty, path: source.standardizedFileURL.appendingPathComponent(empty).path)
        }
        if listing.classNames.count < 2 {
            throw DatasetError.singleClass(className: listing.classNames.first ?? "", path: source.path)
        }
        let classNames = listing.classNames
        let labels = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        func items(_ split: DatasetSplit?) -> [DatasetItem] {
            listing.entries.filter { ($0.split ?? .train) == (split ?? .train) }
                .map { DatasetItem(url: $0.url, label: labels[$0.className]) }
        }

        var train = items(.train)
        var validation = items(.validation)
        let test = items(.test)
        var warnings: [String] = []
        var ignored = listing.ignored
        let wantsValidation: Bool

        if let validationSource {
            guard validation.isEmpty else { throw DatasetError.conflictingValidation(path: source.path) }
            let other = try Self.listing(of: validationSource)
            ignored.add(other.ignored)
            for name in other.classNames where labels[name] == nil {
                throw DatasetError.unknownValidationClass(className: name, path: validationSource.path,
                                                          known: classNames)
            }
            validation = other.entries.filter { $0.split != .test }
                .map { DatasetItem(url: $0.url, label: labels[$0.className]) }
            wantsValidation = true
        } else if !validation.isEmpty {
            wantsValidation = true
        } else {
            wantsValidation = validationSplit > 0
            (train, validation) = stratifiedSplit(train, classNames: classNames, fraction: validationSplit, seed: seed)
        }

        let dataset = Dataset(classNames: classNames, train: train, validation: validation, test: test,
                              ignored: ignored)
        for counts in dataset.summary.classes {
            if counts.train == 0 {
                warnings.append("class '\(counts.name)' has no training images")
            }
            if wantsValidation && counts.validation == 0 {
                let reason = validationSource == nil && counts.train == 1 ? " (it has only 1 image, kept for training)" : ""
                warnings.append("class '\(counts.name)' has no validation images\(reason)")
            }
        }
        var result = dataset
        result.warnings = warnings
        return result
    }

    /// All PNG and JPEG files below `folder` (at any depth), sorted by path, for prediction;
    /// the counts say what else was there.
    public static func unlabeledImages(in folder: URL) throws -> (items: [DatasetItem], ignored: IgnoredFiles) {
        let folder = folder.standardizedFileURL
        try requireDirectory(folder)
        var ignored = IgnoredFiles()
        var visited: Set<String> = []
        let urls = try imagesBelow(folder, ignored: &ignored, visited: &visited)
        return (urls.map { DatasetItem(url: $0) }, ignored)
    }

    static func listing(of source: URL) throws -> DatasetListing {
        if source.pathExtension.lowercased() == "csv" && !isDirectory(source) {
            return try listCSVManifest(at: source)
        }
        return try listClassFolders(at: source)
    }
}
