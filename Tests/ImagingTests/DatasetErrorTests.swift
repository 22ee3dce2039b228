import Imaging
import XCTest

/// Each way a dataset can be unusable gives an error naming the place and the problem.
final class DatasetErrorTests: XCTestCase {
    private var folder: TemporaryFolder!

    override func setUpWithError() throws {
        folder = try TemporaryFolder()
    }

    override func tearDown() {
        folder = nil
    }

    private func assertError(_ source: URL, loader: DatasetLoader = DatasetLoader(), _ expected: DatasetError,
                             mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try loader.load(from: source), file: file, line: line) { error in
            XCTAssertEqual(error as? DatasetError, expected, file: file, line: line)
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", file: file, line: line)
            }
        }
    }

    private func path(_ relative: String) -> String {
        folder.url.appendingPathComponent(relative).standardizedFileURL.path
    }

    func testMissingFolder() {
        let missing = folder.url.appendingPathComponent("nope")
        assertError(missing, .notFound(path: missing.standardizedFileURL.path), mentions: ["nope", "no such"])
    }

    func testEmptyFolder() {
        assertError(folder.url, .emptyFolder(path: folder.url.standardizedFileURL.path), mentions: ["empty"])
    }

    func testImagesWithoutClassFolders() throws {
        try folder.write("a.png")
        try folder.write("b.jpg")
        assertError(folder.url, .noClassFolders(path: folder.url.standardizedFileURL.path, looseImages: 2),
                    mentions: ["2 images", "sub-folder"])
    }

    func testClassWithoutImages() throws {
        try folder.write("cats/a.png")
        try folder.write("dogs/readme.txt")
        assertError(folder.url, .classWithoutImages(className: "dogs", path: path("dogs")),
                    mentions: ["class 'dogs' has no images"])
    }

    func testSingleClass() throws {
        try folder.write("cats/a.png")
        assertError(folder.url, .singleClass(className: "cats", path: folder.url.path),
                    mentions: ["needs at least 2 classes", "'cats'"])
    }

    func testCSVMissingColumns() throws {
        let csv = try folder.write("list.csv", "file,class\na.png,x\n")
        assertError(csv, .csvMissingColumns(path: path("list.csv"), missing: ["path", "label"], found: ["file", "class"]),
                    mentions: ["list.csv", "missing columns path, label", "found file,class"])
    }

    func testCSVUnknownSplit() throws {
        try folder.write("a.png")
        try folder.write("b.png")
        let csv = try folder.write("list.csv", "path,label,split\na.png,x,train\nb.png,y,holdout\n")
        assertError(csv, .csvUnknownSplit(path: path("list.csv"), line: 3, value: "holdout"),
                    mentions: ["list.csv:3", "unknown split 'holdout'"])
    }

    func testCSVMissingFiles() throws {
        try folder.write("a.png")
        let csv = try folder.write("list.csv", "path,label\na.png,x\ngone.png,y\nalso_gone.png,y\n")
        assertError(csv, .csvMissingFile(path: path("list.csv"), line: 3, file: "gone.png", missingCount: 2),
                    mentions: ["list.csv:3", "gone.png does not exist", "1 more"])
    }

    func testCSVMalformedRows() throws {
        let unterminated = try folder.write("quote.csv", "path,label\n\"a.png,x\n")
        assertError(unterminated, .csvMalformed(path: path("quote.csv"), line: 2, reason: "a quoted field is never closed"),
                    mentions: ["quote.csv:2"])
        let short = try folder.write("short.csv", "path,label\na.png\n")
        assertError(short, .csvMalformed(path: path("short.csv"), line: 2, reason: "1 fields where the header has 2"),
                    mentions: ["short.csv:2"])
        let headerOnly = try folder.write("header.csv", "path,label\n")
        assertError(headerOnly, .csvEmpty(path: path("header.csv")), mentions: ["no rows"])
    }

    func testValidationClassUnknownToTraining() throws {
        for file in ["train/a/1.png", "train/b/1.png", "val/c/1.png"] { try folder.write(file) }
        let validation = folder.url.appendingPathComponent("val")
        assertError(folder.url.appendingPathComponent("train"), loader: DatasetLoader(validationSource: validation),
                    .unknownValidationClass(className: "c", path: validation.path, known: ["a", "b"]),
                    mentions: ["'c'", "training classes: a, b"])
    }

    func testValidationSplitOutOfRange() throws {
        assertError(folder.url, loader: DatasetLoader(validationSplit: 1), .invalidValidationSplit(1), mentions: ["below 1"])
    }

    func testClassWithOneImageIsAWarningNotAnError() throws {
        for file in ["a/1.png", "a/2.png", "a/3.png", "b/1.png"] { try folder.write(file) }
        let dataset = try DatasetLoader(validationSplit: 0.2).load(from: folder.url)
        XCTAssertEqual(dataset.warnings, ["class 'b' has no validation images (it has only 1 image, kept for training)"])
        XCTAssertEqual(dataset.train.filter { $0.label == 1 }.count, 1)
    }
}
