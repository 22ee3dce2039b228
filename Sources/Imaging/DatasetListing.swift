import Foundation

/// What a dataset source holds before any splitting: every image with its class name, in a
/// deterministic order (by class name, then by path), and what was left out.
struct DatasetListing {
    struct Entry {
        var url: URL
        var className: String
        /// Set by a CSV `split` column; nil means "not assigned" (training).
        var split: DatasetSplit?
    }

    var classNames: [String]
    var entries: [Entry]
    var ignored = IgnoredFiles()
    /// Classes whose folder holds no image (a CSV never has such classes).
    var emptyClasses: [String] = []

    /// The extensions accepted as images, lower-cased. The decoder still checks the contents.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    static func isImageName(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    static func isHiddenName(_ name: String) -> Bool {
        name.hasPrefix(".")
    }
}

/// Sorts class names: numerically when every name is an integer (so "2" < "10"), otherwise
/// by Unicode code points, as Python's `sorted` orders Keras and torchvision class folders.
func sortedClassNames<Names: Sequence>(_ names: Names) -> [String] where Names.Element == String {
    let unique = Array(Set(names))
    let numbers = unique.map { Int($0) }
    if !unique.isEmpty, numbers.allSatisfy({ $0 != nil }) {
        return zip(unique, numbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
    }
    return unique.sorted(by: codePointOrder)
}

/// Orders strings by their Unicode scalars, like Python's string comparison (Swift's own `<`
/// compares canonically equivalent forms equal, which is not what file names need).
func codePointOrder(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
}
