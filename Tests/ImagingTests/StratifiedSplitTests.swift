@testable import Imaging
import XCTest

final class StratifiedSplitTests: XCTestCase {
    /// `counts[c]` items of class c, each with a distinct path.
    private func items(_ counts: [Int]) -> [DatasetItem] {
        counts.enumerated().flatMap { label, count in
            (0..<count).map { DatasetItem(url: URL(fileURLWithPath: "/data/\(label)/\($0).png"), label: label) }
        }
    }

    private let names = ["a", "b", "c", "d", "e"]

    func testProportionsPerClass() {
        // round(n × 0.2): 100 → 20, 7 → 1 (1.4), 13 → 3 (2.6), 2 → 1 (0.4, at least one), 1 → 0.
        let all = items([100, 7, 13, 2, 1])
        let (train, validation) = stratifiedSplit(all, classNames: names, fraction: 0.2, seed: 1)
        let counts = (0..<5).map { label in validation.filter { $0.label == label }.count }
        XCTAssertEqual(counts, [20, 1, 3, 1, 0])
        XCTAssertEqual(train.count + validation.count, all.count)
        XCTAssertEqual(Set(train).intersection(validation), [])
    }

    func testHalfwayRoundsUpAndNeverTakesAWholeClass() {
        // 2.5 → 3 (away from zero); a class of 2 at 0.9 still keeps one for training.
        let (_, validation) = stratifiedSplit(items([5, 2]), classNames: names, fraction: 0.5, seed: 1)
        XCTAssertEqual(validation.filter { $0.label == 0 }.count, 3)
        let (train, _) = stratifiedSplit(items([2, 2]), classNames: names, fraction: 0.9, seed: 1)
        XCTAssertEqual(train.map(\.label), [0, 1])
    }

    func testDeterministicPerSeedAndOrdered() {
        let all = items([30, 30])
        let first = stratifiedSplit(all, classNames: names, fraction: 0.3, seed: 9)
        let again = stratifiedSplit(all, classNames: names, fraction: 0.3, seed: 9)
        XCTAssertEqual(first.validation, again.validation)
        XCTAssertEqual(first.train, again.train)
        let other = stratifiedSplit(all, classNames: names, fraction: 0.3, seed: 10)
        XCTAssertNotEqual(first.validation, other.validation)
        // Both parts keep the input order.
        XCTAssertEqual(first.validation, all.filter { first.validation.contains($0) })
        XCTAssertEqual(first.train, all.filter { first.train.contains($0) })
    }

    func testAClassSplitDoesNotDependOnOtherClasses() {
        let withTwo = stratifiedSplit(items([20, 20]), classNames: names, fraction: 0.25, seed: 4)
        let withThree = stratifiedSplit(items([20, 20, 50]), classNames: names, fraction: 0.25, seed: 4)
        XCTAssertEqual(withTwo.validation, withThree.validation.filter { $0.label! < 2 })
    }

    func testEveryClassIsInValidationThroughTheLoader() throws {
        let folder = try TemporaryFolder()
        for (name, count) in [("a", 9), ("b", 3), ("c", 2), ("d", 17)] {
            for i in 0..<count { try folder.write("\(name)/\(i).png") }
        }
        let dataset = try DatasetLoader(validationSplit: 0.1, seed: 0).load(from: folder.url)
        XCTAssertEqual(Set(dataset.validation.compactMap(\.label)), [0, 1, 2, 3])
        XCTAssertEqual(dataset.summary.classes.map(\.validation), [1, 1, 1, 2])
        XCTAssertEqual(dataset.warnings, [])
    }

    func testEpochShuffleIsReproducible() {
        let all = items([10, 10])
        XCTAssertEqual(all.shuffled(seed: 1, epoch: 2), all.shuffled(seed: 1, epoch: 2))
        XCTAssertNotEqual(all.shuffled(seed: 1, epoch: 2), all.shuffled(seed: 1, epoch: 3))
        XCTAssertEqual(Set(all.shuffled(seed: 1, epoch: 2)), Set(all))
    }
}
