import CNN
@testable import Imaging
import XCTest

/// The streaming loader: order, alignment of rows with items when files are bad, strictness,
/// bounded read-ahead and shutdown.
final class BatchLoaderTests: XCTestCase {
    private let good = ["png_rgb8.png", "png_gray8.png", "jpeg_gray.jpg", "png_palette4.png", "jpeg_baseline_444.jpg"]
    private let pipeline = ImagePipeline(spec: InputSpec(size: 4, preprocessing: .tf))

    /// Items labelled with their position, bad files at the given positions.
    private func items(count: Int, bad: Set<Int> = []) -> [DatasetItem] {
        (0..<count).map { i in
            let name = bad.contains(i) ? (i % 2 == 0 ? "bad_truncated.png" : "bad_not_an_image.png") : good[i % good.count]
            return DatasetItem(url: Fixtures.url(name), label: i)
        }
    }

    func testBatchesArriveInOrderWithAlignedRows() throws {
        let list = items(count: 11, bad: [3, 8])
        var reported: [SkippedImage] = []
        let loader = BatchLoader(items: list, pipeline: pipeline, batchSize: 4, workerCount: 2,
                                 onSkip: { reported.append($0) })
        var batches: [Batch] = []
        while let batch = try loader.nextBatch() { batches.append(batch) }

        XCTAssertEqual(batches.map(\.number), [0, 1, 2])
        XCTAssertEqual(batches.map(\.indices), [[0, 1, 2], [4, 5, 6, 7], [9, 10]])
        XCTAssertEqual(batches.map { $0.labels.map { $0! } }, [[0, 1, 2], [4, 5, 6, 7], [9, 10]])
        for batch in batches {
            XCTAssertEqual(batch.images.shape, [batch.count, 4, 4, 3])
            for (row, item) in batch.items.enumerated() {
                let expected = try pipeline.sample(contentsOf: item.url)
                XCTAssertEqual(batch.images.batch(row..<(row + 1)).scalars, expected.scalars,
                               "batch \(batch.number) row \(row) is not \(item.path)")
            }
        }
        XCTAssertEqual(reported.map(\.index), [3, 8])
        XCTAssertEqual(loader.skipped, reported)
        XCTAssertEqual(batches[0].skipped.map(\.index), [3])
        XCTAssertTrue(reported[0].path.hasSuffix("bad_not_an_image.png"))
        XCTAssertEqual(reported[0].reason, "not a PNG or JPEG image")
        XCTAssertTrue(reported[1].reason.hasPrefix("truncated PNG file"), reported[1].reason)
        XCTAssertNil(try loader.nextBatch(), "the end stays the end")
    }

    func testWorksAsASequence() {
        let loader = BatchLoader(items: items(count: 7), pipeline: pipeline, batchSize: 3)
        XCTAssertEqual(loader.batchCount, 3)
        XCTAssertEqual(Array(loader).map(\.count), [3, 3, 1])
        XCTAssertNil(loader.failure)
    }

    func testABatchOfOnlyBadFilesIsSkippedButReported() throws {
        let loader = BatchLoader(items: items(count: 6, bad: [2, 3]), pipeline: pipeline, batchSize: 2)
        XCTAssertEqual(Array(loader).map(\.indices), [[0, 1], [4, 5]])
        XCTAssertEqual(loader.skipped.map(\.index), [2, 3])
    }

    func testStrictStopsAtTheFirstBadFile() {
        let loader = BatchLoader(items: items(count: 9, bad: [5, 7]), pipeline: pipeline, batchSize: 2, strict: true)
        XCTAssertEqual(try loader.nextBatch()?.indices, [0, 1])
        XCTAssertEqual(try loader.nextBatch()?.indices, [2, 3])
        XCTAssertThrowsError(try loader.nextBatch()) { error in
            let imageError = error as? ImageError
            XCTAssertEqual(imageError?.reason, .notAnImage)
            XCTAssertTrue(imageError?.path.hasSuffix("bad_not_an_image.png") ?? false)
        }
        XCTAssertNil(try loader.nextBatch())
        waitForWorkers(of: loader)

        let iterated = BatchLoader(items: items(count: 9, bad: [5]), pipeline: pipeline, batchSize: 2, strict: true)
        XCTAssertEqual(Array(iterated).count, 2)
        XCTAssertNotNil(iterated.failure as? ImageError)
    }

    func testReadAheadIsBounded() throws {
        let loader = BatchLoader(items: items(count: 40), pipeline: pipeline, batchSize: 2, workerCount: 2,
                                 bufferedBatches: 2)
        // Without a consumer the workers fill two batches and wait.
        let deadline = Date().addingTimeInterval(10)
        while loader.production.claimedItemCount < 4 && Date() < deadline { usleep(1000) }
        usleep(50_000)
        XCTAssertEqual(loader.production.claimedItemCount, 4, "workers ran ahead of the buffer")
        XCTAssertEqual(try loader.nextBatch()?.indices, [0, 1])
        while loader.production.claimedItemCount < 6 && Date() < deadline { usleep(1000) }
        usleep(50_000)
        XCTAssertEqual(loader.production.claimedItemCount, 6)
        loader.cancel()
        waitForWorkers(of: loader)
    }

    func testStoppingEarlyEndsTheWorkers() throws {
        let loader = BatchLoader(items: items(count: 60), pipeline: pipeline, batchSize: 3, workerCount: 2,
                                 bufferedBatches: 2)
        XCTAssertNotNil(try loader.nextBatch())
        loader.cancel()
        XCTAssertNil(try loader.nextBatch())
        waitForWorkers(of: loader)

        // Dropping the loader mid-stream cancels too.
        var dropped: BatchLoader? = BatchLoader(items: items(count: 60), pipeline: pipeline, batchSize: 3,
                                                workerCount: 2, bufferedBatches: 2)
        XCTAssertNotNil(try dropped?.nextBatch())
        let production = dropped!.production
        dropped = nil
        let deadline = Date().addingTimeInterval(10)
        while production.runningWorkerCount > 0 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(production.runningWorkerCount, 0, "workers still running after the loader was dropped")
    }

    func testAugmentedBatchesDoNotDependOnWorkerCount() throws {
        let augmented = ImagePipeline(spec: InputSpec(size: 4),
                                      augmenter: Augmenter([.randomResizedCrop, .horizontalFlip, .rotation], seed: 3))
        func run(workers: Int) throws -> [Float] {
            let loader = BatchLoader(items: items(count: 10), pipeline: augmented, batchSize: 3, epoch: 2,
                                     workerCount: workers)
            return Array(loader).flatMap(\.images.scalars)
        }
        XCTAssertEqual(try run(workers: 1), try run(workers: 3))
    }

    func testEmptyList() throws {
        let loader = BatchLoader(items: [], pipeline: pipeline, batchSize: 4)
        XCTAssertNil(try loader.nextBatch())
        XCTAssertEqual(loader.batchCount, 0)
    }

    private func waitForWorkers(of loader: BatchLoader, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(10)
        while loader.runningWorkerCount > 0 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(loader.runningWorkerCount, 0, "workers did not stop", file: file, line: line)
    }
}
