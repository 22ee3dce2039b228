import Imaging
import XCTest

/// Folder and CSV listings: what counts as an image, ordering, ignored files, labels.
final class DatasetListingTests: XCTestCase {
    private var folder: TemporaryFolder!

    override func setUpWithError() throws {
        folder = try TemporaryFolder()
    }

    override func tearDown() {
        folder = nil
    }

    private func names(_ items: [DatasetItem]) -> [String] {
        items.map { $0.url.pathComponents.suffix(2).joined(separator: "/") }
    }

    func testClassFoldersSortedWithImagesSortedAndOthersCounted() throws {
        for path in ["dogs/b.JPG", "dogs/a.png", "dogs/nested/c.jpeg", "cats/z.jpg", "cats/y.PNG",
                     "cats/.DS_Store", "cats/._y.PNG", "cats/notes.txt", "cats/scan.tif", "cats/README",
                     ".hidden_class/q.png", "labels.txt"] {
            try folder.write(path)
        }
        try folder.makeFolder("dogs/.ipynb_checkpoints")
        let dataset = try DatasetLoader(validationSplit: 0).load(from: folder.url)
        XCTAssertEqual(dataset.classNames, ["cats", "dogs"])
        XCTAssertEqual(names(dataset.train), ["cats/y.PNG", "cats/z.jpg", "dogs/a.png", "dogs/b.JPG", "nested/c.jpeg"])
        XCTAssertEqual(dataset.train.map(\.label), [0, 0, 1, 1, 1])
        XCTAssertEqual(dataset.validation, [])
        XCTAssertEqual(dataset.ignored.hidden, 4, ".DS_Store, ._y.PNG, .hidden_class, .ipynb_checkpoints")
        XCTAssertEqual(dataset.ignored.unsupported, ["txt": 1, "tif": 1, "": 1])
        XCTAssertEqual(dataset.ignored.outsideClassFolders, 1)
        XCTAssertEqual(dataset.ignored.description, "4 hidden, 1 without extension, 1 .tif, 1 .txt, 1 outside class folders")
        XCTAssertEqual(dataset.warnings, [])
    }

    func testNumericClassNamesSortNumerically() throws {
        for path in ["10/a.png", "2/a.png", "1/a.png"] { try folder.write(path) }
        XCTAssertEqual(try DatasetLoader(validationSplit: 0).load(from: folder.url).classNames, ["1", "2", "10"])
    }

    func testCSVWithSplitsQuotesAndRelativePaths() throws {
        try folder.write("images/a 1.png")
        try folder.write("images/b,2.jpg")
        try folder.write("images/c.png")
        try folder.write("images/d.png")
        try folder.write("images/e.png")
        let absolute = try folder.write("elsewhere/f.png")
        let rows = [
            "\u{FEFF}Path,Label,Split,notes",
            "../images/a 1.png,tumor,train,\"first, with comma\"",
            "\"../images/b,2.jpg\",normal,TRAIN,",
            "../images/c.png,\"tumor\",val,\"say \"\"hi\"\"\"",
            "../images/d.png,normal,validation,",
            "../images/e.png,tumor,test,",
            "\(absolute.path),normal,,\"multi\nline\"",
            "",
        ]
        let csv = try folder.write("lists/manifest.csv", rows.joined(separator: "\r\n"))
        let dataset = try DatasetLoader(validationSplit: 0.5).load(from: csv)
        XCTAssertEqual(dataset.classNames, ["normal", "tumor"])
        XCTAssertEqual(names(dataset.train), ["elsewhere/f.png", "images/b,2.jpg", "images/a 1.png"])
        XCTAssertEqual(dataset.train.map(\.label), [0, 0, 1])
        XCTAssertEqual(names(dataset.validation), ["images/d.png", "images/c.png"], "explicit val rows, not a split")
        XCTAssertEqual(names(dataset.test), ["images/e.png"])
        XCTAssertEqual(dataset.test.first?.path, folder.url.appendingPathComponent("images/e.png").standardizedFileURL.path)
        XCTAssertEqual(dataset.warnings, [])
    }

    func testCSVWithoutSplitColumnIsSplitStratified() throws {
        var rows = "path,label\n"
        for i in 0..<10 {
            try folder.write("x\(i).png")
            rows += "x\(i).png,\(i % 2 == 0 ? "even" : "odd")\n"
        }
        let csv = try folder.write("list.csv", rows)
        let dataset = try DatasetLoader(validationSplit: 0.2, seed: 3).load(from: csv)
        XCTAssertEqual(dataset.train.count, 8)
        XCTAssertEqual(dataset.validation.map(\.label).sorted { ($0 ?? -1) < ($1 ?? -1) }, [0, 1])
    }

    func testSeparateValidationFolder() throws {
        for path in ["train/a/1.png", "train/a/2.png", "train/b/1.png", "train/b/2.png", "val/a/9.png"] {
            try folder.write(path)
        }
        let loader = DatasetLoader(validationSplit: 0.5, validationSource: folder.url.appendingPathComponent("val"))
        let dataset = try loader.load(from: folder.url.appendingPathComponent("train"))
        XCTAssertEqual(dataset.train.count, 4, "no split when validation comes from elsewhere")
        XCTAssertEqual(names(dataset.validation), ["a/9.png"])
        XCTAssertEqual(dataset.validation.first?.label, 0)
        XCTAssertEqual(dataset.warnings, ["class 'b' has no validation images"])
    }

    func testUnlabeledImagesForPrediction() throws {
        for path in ["b.png", "a/c.jpg", ".x.png", "d.gif"] { try folder.write(path) }
        let (items, ignored) = try DatasetLoader.unlabeledImages(in: folder.url)
        XCTAssertEqual(names(items), ["a/c.jpg", folder.url.lastPathComponent + "/b.png"])
        XCTAssertTrue(items.allSatisfy { $0.label == nil })
        XCTAssertEqual(ignored.hidden, 1)
        XCTAssertEqual(ignored.unsupported, ["gif": 1])
    }

    func testSummaryTable() throws {
        let dataset = Dataset(classNames: ["benign", "malignant"],
                              train: Array(repeating: DatasetItem(url: URL(fileURLWithPath: "/a"), label: 0), count: 80)
                                  + Array(repeating: DatasetItem(url: URL(fileURLWithPath: "/b"), label: 1), count: 40),
                              validation: Array(repeating: DatasetItem(url: URL(fileURLWithPath: "/c"), label: 0), count: 20)
                                  + Array(repeating: DatasetItem(url: URL(fileURLWithPath: "/d"), label: 1), count: 10))
        XCTAssertEqual(dataset.summary.description, """
            class      train  val
            benign        80   20
            malignant     40   10
            total        120   30
            ignored: none
            """)
        XCTAssertEqual(dataset.summary.classes.map(\.validation), [20, 10])
        var withTest = dataset
        withTest.test = [DatasetItem(url: URL(fileURLWithPath: "/e"), label: 1)]
        XCTAssertEqual(withTest.summary.description.components(separatedBy: "\n")[0], "class      train  val  test")
        XCTAssertEqual(withTest.summary.description.components(separatedBy: "\n")[2], "malignant     40   10     1")
    }
}
