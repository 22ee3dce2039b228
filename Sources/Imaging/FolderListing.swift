import Foundation

/// Lists a folder with one sub-folder per class, like Keras's `image_dataset_from_directory`
/// and torchvision's `ImageFolder`: class names are the sub-folder names, sorted; images are
/// found at any depth below them; links are followed (loops are not).
func listClassFolders(at root: URL) throws -> DatasetListing {
    let root = root.standardizedFileURL
    try requireDirectory(root)
    var ignored = IgnoredFiles()
    var classFolders: [String] = []
    var looseImages = 0
    let names = try directoryEntries(root)
    for name in names {
        if DatasetListing.isHiddenName(name) {
            ignored.hidden += 1
        } else if isDirectory(root.appendingPathComponent(name)) {
            classFolders.append(name)
        } else {
            ignored.outsideClassFolders += 1
            if DatasetListing.isImageName(name) { looseImages += 1 }
        }
    }
    if classFolders.isEmpty {
        if looseImages > 0 { throw DatasetError.noClassFolders(path: root.path, looseImages: looseImages) }
        throw DatasetError.emptyFolder(path: root.path)
    }

    var listing = DatasetListing(classNames: sortedClassNames(classFolders), entries: [])
    for className in listing.classNames {
        let folder = root.appendingPathComponent(className, isDirectory: true)
        var visited: Set<String> = []
        let images = try imagesBelow(folder, ignored: &ignored, visited: &visited)
        if images.isEmpty { listing.emptyClasses.append(className) }
        listing.entries += images.map { DatasetListing.Entry(url: $0, className: className, split: nil) }
    }
    listing.ignored = ignored
    return listing
}

/// Every PNG or JPEG below `folder`, sorted by path; hidden entries and other files counted.
func imagesBelow(_ folder: URL, ignored: inout IgnoredFiles, visited: inout Set<String>) throws -> [URL] {
    // A link back to an ancestor would make the walk endless; each real folder is read once.
    let realPath = folder.resolvingSymlinksInPath().path
    guard visited.insert(realPath).inserted else { return [] }
    var images: [URL] = []
    for name in try directoryEntries(folder) {
        let url = folder.appendingPathComponent(name)
        if DatasetListing.isHiddenName(name) {
            ignored.hidden += 1
        } else if isDirectory(url) {
            images += try imagesBelow(url, ignored: &ignored, visited: &visited)
        } else if DatasetListing.isImageName(name) {
            images.append(url)
        } else {
            ignored.unsupported[(name as NSString).pathExtension.lowercased(), default: 0] += 1
        }
    }
    return images.sorted { codePointOrder($0.path, $1.path) }
}

/// The names in a folder, sorted by code points so listings do not depend on the file system.
func directoryEntries(_ folder: URL) throws -> [String] {
    do {
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(by: codePointOrder)
    } catch {
        let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
        throw DatasetError.unreadableFolder(path: folder.path, reason: reason)
    }
}

func requireDirectory(_ url: URL) throws {
    var directory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) else {
        throw DatasetError.notFound(path: url.path)
    }
    guard directory.boolValue else { throw DatasetError.neitherFolderNorCSV(path: url.path) }
}

/// True for folders and links to folders; false for files, broken links and missing paths.
func isDirectory(_ url: URL) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
}
