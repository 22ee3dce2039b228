import Foundation

/// The images named on a command line: files as given (whatever their extension, so
/// a mislabelled file gets a clear decoding error), folders expanded to every PNG or
/// JPEG below them, sorted; hidden and other files in folders are counted, not listed.
public struct ImageFileList: Sendable {
    public var urls: [URL] = []
    public var ignored = IgnoredFiles()

    public init(paths: [String]) throws {
        var visited = Set<String>()
        for path in paths {
            let url = URL(fileURLWithPath: path)
            if isDirectory(url) {
                urls += try imagesBelow(url, ignored: &ignored, visited: &visited)
            } else if FileManager.default.fileExists(atPath: url.path) {
                urls.append(url)
            } else {
                throw DatasetError.notFound(path: path)
            }
        }
    }
}
