/// Files a folder listing passed over, counted so the summary can say what was left out
/// (a dataset that silently drops half its files is a bug users never see).
public struct IgnoredFiles: Sendable, Equatable, CustomStringConvertible {
    /// Names starting with "." (.DS_Store, ._resource forks, .ipynb_checkpoints, …); a hidden
    /// folder counts once, whatever it holds.
    public var hidden: Int = 0
    /// Files that are not PNG or JPEG by extension, counted per lower-cased extension
    /// ("" for files without one).
    public var unsupported: [String: Int] = [:]
    /// Files beside the class folders rather than inside one.
    public var outsideClassFolders: Int = 0

    public init() {}

    public var total: Int { hidden + unsupported.values.reduce(0, +) + outsideClassFolders }

    mutating func add(_ other: IgnoredFiles) {
        hidden += other.hidden
        outsideClassFolders += other.outsideClassFolders
        unsupported.merge(other.unsupported, uniquingKeysWith: +)
    }

    /// e.g. "2 hidden, 3 .txt, 1 without extension, 1 outside class folders", or "none".
    public var description: String {
        var parts: [String] = []
        if hidden > 0 { parts.append("\(hidden) hidden") }
        for (suffix, count) in unsupported.sorted(by: { $0.key < $1.key }) {
            parts.append(suffix.isEmpty ? "\(count) without extension" : "\(count) .\(suffix)")
        }
        if outsideClassFolders > 0 { parts.append("\(outsideClassFolders) outside class folders") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
