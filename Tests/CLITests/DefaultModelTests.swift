import Foundation
import XCTest

/// One run on the real default model (EfficientNet-Lite0, ImageNet) and real photographs.
final class DefaultModelTests: XCTestCase {
    func testPredictOnChelseaAndCoffee() throws {
        let model = repositoryRoot.appendingPathComponent("models/efficientnet_lite0.h5")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: model.path),
                          "\(model.path) is missing: run `bash models/build.sh` (make test does)")
        let samples = repositoryRoot.appendingPathComponent(".cache/skimage-data")
        let chelsea = samples.appendingPathComponent("chelsea.png")
        let coffee = samples.appendingPathComponent("coffee.png")
        for image in [chelsea, coffee] {
            try XCTSkipUnless(FileManager.default.fileExists(atPath: image.path),
                              "\(image.path) is missing: run `bash scripts/fetch_samples.sh` (make test does)")
        }
        let cacheHome = try makeTemporaryDirectory("default-model", for: self)
        let run = try runTL(["predict", chelsea.path, coffee.path, "--format", "json"], cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        let rows = try decodePredictions(run)
        XCTAssertEqual(rows.map(\.path), [chelsea.path, coffee.path])

        let cat = try XCTUnwrap(rows[0].predictions, run.transcript)
        XCTAssertEqual(cat.count, 5)
        XCTAssertTrue((281...285).contains(cat[0].index), "chelsea's top-1 is a cat (281–285): \(cat.map { "\($0.index) \($0.label)" })")
        XCTAssertTrue(Set([281, 282, 285]).isSubset(of: Set(cat.map(\.index))),
                      "tabby, tiger cat and Egyptian cat in chelsea's top 5: \(cat.map { "\($0.index) \($0.label) \($0.probability)" })")
        XCTAssertEqual(cat.first { $0.index == 281 }?.label, "tabby")

        let cup = try XCTUnwrap(rows[1].predictions, run.transcript)
        XCTAssertEqual(cup[0].index, 967, "coffee's top-1: \(cup.map { "\($0.index) \($0.label) \($0.probability)" })")
        XCTAssertEqual(cup[0].label, "espresso")
        XCTAssertGreaterThan(cup[0].probability, 0.85)
    }
}
