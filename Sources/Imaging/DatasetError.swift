import Foundation

/// Why a dataset could not be listed, always naming the file or folder at fault.
public enum DatasetError: LocalizedError, Equatable {
    case notFound(path: String)
    case neitherFolderNorCSV(path: String)
    case unreadableFolder(path: String, reason: String)
    case emptyFolder(path: String)
    case noClassFolders(path: String, looseImages: Int)
    case classWithoutImages(className: String, path: String)
    case singleClass(className: String, path: String)
    case invalidValidationSplit(Double)
    case unreadableCSV(path: String, reason: String)
    case csvEmpty(path: String)
    case csvMissingColumns(path: String, missing: [String], found: [String])
    case csvMalformed(path: String, line: Int, reason: String)
    case csvUnknownSplit(path: String, line: Int, value: String)
    case csvMissingFile(path: String, line: Int, file: String, missingCount: Int)
    case conflictingValidation(path: String)
    case unknownValidationClass(className: String, path: String, known: [String])

    public var errorDescription: String? {
        switch self {
        case .notFound(let path):
            return "\(path): no such folder or file"
        case .neitherFolderNorCSV(let path):
            return "\(path): expected a folder with one sub-folder per class, or a .csv file with path,label columns"
        case .unreadableFolder(let path, let reason):
            return "\(path): cannot list the folder (\(reason))"
        case .emptyFolder(let path):
            return "\(path): the folder is empty; expected one sub-folder of images per class"
        case .noClassFolders(let path, let looseImages):
            return "\(path): \(looseImages) image\(looseImages == 1 ? "" : "s") but no class sub-folders; "
                + "put each class's images in a sub-folder named after the class"
        case .classWithoutImages(let className, let path):
            return "\(path): class '\(className)' has no images (PNG or JPEG)"
        case .singleClass(let className, let path):
            return "\(path): needs at least 2 classes, found only '\(className)'"
        case .invalidValidationSplit(let fraction):
            return "validation split \(fraction) must be at least 0 and below 1"
        case .unreadableCSV(let path, let reason):
            return "\(path): cannot read the CSV file (\(reason))"
        case .csvEmpty(let path):
            return "\(path): no rows after the header"
        case .csvMissingColumns(let path, let missing, let found):
            let foundText = found.isEmpty ? "an empty header" : found.joined(separator: ",")
            return "\(path): missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) "
                + "(the header must name path and label, optionally split; found \(foundText))"
        case .csvMalformed(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .csvUnknownSplit(let path, let line, let value):
            return "\(path):\(line): unknown split '\(value)'; expected train, val or test (or empty for train)"
        case .csvMissingFile(let path, let line, let file, let missingCount):
            let others = missingCount > 1 ? " (and \(missingCount - 1) more listed files are missing)" : ""
            return "\(path):\(line): listed file \(file) does not exist" + others
        case .conflictingValidation(let path):
            return "\(path): assigns rows to the val split, and a separate validation source was given; use one"
        case .unknownValidationClass(let className, let path, let known):
            return "\(path): validation class '\(className)' is not a training class (training classes: "
                + known.joined(separator: ", ") + ")"
        }
    }
}
