import CNN
import Foundation

/// Streams `(N, H, W, 3)` batches of preprocessed images, in list order, while background
/// threads decode and resize the next ones.
///
/// At most `bufferedBatches` batches are being prepared or waiting at any time, so memory
/// stays flat however long the list. Files that fail to decode are left out of their batch
/// (rows, items and indices stay aligned), recorded in `skipped` and passed to `onSkip` on the
/// consumer's thread in list order; with `strict`, the first one ends the stream with its
/// error instead. A batch whose every file failed is not delivered. Dropping the loader or
/// calling `cancel()` stops the workers after the image each is working on.
///
///     let loader = BatchLoader(items: dataset.validation, pipeline: pipeline, batchSize: 32)
///     while let batch = try loader.nextBatch() { … }     // or: for batch in loader { … }
public final class BatchLoader: Sequence, IteratorProtocol {
    public let batchSize: Int
    public let itemCount: Int
    /// Every file left out so far, in list order.
    public private(set) var skipped: [SkippedImage] = []
    /// The error that ended iteration through `next()` (only under `strict`).
    public private(set) var failure: Error?

    let production: BatchProduction
    private let onSkip: ((SkippedImage) -> Void)?
    private let strict: Bool

    /// - Parameters:
    ///   - epoch: Passed to the pipeline's augmenter; with `index` it seeds each image's draw.
    ///   - workerCount: Decoding threads (default: the engine's thread count).
    ///   - bufferedBatches: How many batches may be prepared ahead of the consumer.
    public init(items: [DatasetItem], pipeline: ImagePipeline, batchSize: Int, epoch: Int = 0,
                workerCount: Int = Engine.threadCount, bufferedBatches: Int = 3, strict: Bool = false,
                onSkip: ((SkippedImage) -> Void)? = nil) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(bufferedBatches > 0, "at least one batch must be buffered")
        self.batchSize = batchSize
        self.itemCount = items.count
        self.strict = strict
        self.onSkip = onSkip
        production = BatchProduction(items: items, pipeline: pipeline, batchSize: batchSize, epoch: epoch,
                                     bufferedBatches: bufferedBatches)
        let workers = Swift.max(1, Swift.min(workerCount, items.count))
        production.start(workers: items.isEmpty ? 0 : workers)
    }

    deinit {
        production.cancel()
    }

    /// Batches in the whole list, including any that end up empty.
    public var batchCount: Int { (itemCount + batchSize - 1) / batchSize }

    /// The next batch, or nil at the end (or after `cancel()`). Under `strict`, throws the
    /// first bad file's error, after which the stream is over.
    public func nextBatch() throws -> Batch? {
        while let (number, results) = production.takeNextBatch() {
            let first = number * batchSize
            let perSample = production.pipeline.spec.width * production.pipeline.spec.height * 3
            var scalars = [Float]()
            scalars.reserveCapacity(results.count * perSample)
            var items: [DatasetItem] = [], indices: [Int] = [], skippedHere: [SkippedImage] = []
            for (offset, result) in results.enumerated() {
                switch result {
                case .sample(let values):
                    scalars.append(contentsOf: values)
                    items.append(production.items[first + offset])
                    indices.append(first + offset)
                case .failure(let skip, let error):
                    if strict {
                        cancel()
                        throw error
                    }
                    skippedHere.append(skip)
                }
            }
            skipped += skippedHere
            skippedHere.forEach { onSkip?($0) }
            if items.isEmpty { continue }
            let spec = production.pipeline.spec
            return Batch(number: number, images: Tensor(shape: [items.count] + spec.sampleShape, scalars: scalars),
                         items: items, indices: indices, skipped: skippedHere)
        }
        return nil
    }

    /// `nextBatch()` for `for … in` loops; an error ends the loop and is kept in `failure`.
    public func next() -> Batch? {
        guard failure == nil else { return nil }
        do {
            return try nextBatch()
        } catch {
            failure = error
            return nil
        }
    }

    /// Stops the workers (each finishes the image in hand); later calls return nil.
    public func cancel() {
        production.cancel()
    }

    /// Worker threads still running, for tests of shutdown.
    var runningWorkerCount: Int { production.runningWorkerCount }
}

/// The state shared between a loader and its worker threads, all of it guarded by `condition`
/// except the constants. Workers claim items one at a time, in order, but only from batches
/// fewer than `bufferedBatches` ahead of the consumer; the consumer takes batches in order once
/// every item of the batch is done. Workers wait when they get too far ahead, the consumer when
/// its batch is not complete; each side broadcasts after changing what the other waits on.
final class BatchProduction: @unchecked Sendable {
    enum ItemResult {
        case sample([Float])
        case failure(SkippedImage, Error)
    }

    private struct PendingBatch {
        var results: [ItemResult?]
        var remaining: Int
    }

    let items: [DatasetItem]
    let pipeline: ImagePipeline
    let batchSize: Int
    let epoch: Int
    let bufferedBatches: Int

    private let condition = NSCondition()
    private var nextItem = 0
    private var deliveredBatches = 0
    private var pending: [Int: PendingBatch] = [:]
    private var cancelled = false
    private var runningWorkers = 0

    init(items: [DatasetItem], pipeline: ImagePipeline, batchSize: Int, epoch: Int, bufferedBatches: Int) {
        self.items = items
        self.pipeline = pipeline
        self.batchSize = batchSize
        self.epoch = epoch
        self.bufferedBatches = bufferedBatches
    }

    func start(workers: Int) {
        condition.lock()
        runningWorkers = workers
        condition.unlock()
        for number in 0..<workers {
            // The thread keeps this object alive, never the loader, so dropping the loader
            // reaches its deinit, which cancels.
            let thread = Thread { [self] in work() }
            thread.name = "tl.imaging.loader.\(number)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    var runningWorkerCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return runningWorkers
    }

    /// Items handed to workers so far, for tests of the read-ahead bound.
    var claimedItemCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return nextItem
    }

    func cancel() {
        condition.lock()
        cancelled = true
        pending.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while !cancelled && nextItem < items.count {
            let batch = nextItem / batchSize
            if batch >= deliveredBatches + bufferedBatches {
                condition.wait()
                continue
            }
            let index = nextItem
            nextItem += 1
            if pending[batch] == nil {
                let size = min(batchSize, items.count - batch * batchSize)
                pending[batch] = PendingBatch(results: Array(repeating: nil, count: size), remaining: size)
            }
            condition.unlock()
            let result = produce(index)
            condition.lock()
            // After a cancel the batch is gone and the result is dropped.
            if pending[batch] != nil {
                pending[batch]!.results[index - batch * batchSize] = result
                pending[batch]!.remaining -= 1
                if pending[batch]!.remaining == 0 { condition.broadcast() }
            }
        }
        runningWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func produce(_ index: Int) -> ItemResult {
        let item = items[index]
        do {
            let image = try pipeline.inputImage(contentsOf: item.url, epoch: epoch, index: index)
            return .sample(pipeline.sample(from: image).scalars)
        } catch let error as ImageError {
            return .failure(SkippedImage(index: index, path: item.path, reason: error.reasonDescription), error)
        } catch {
            return .failure(SkippedImage(index: index, path: item.path, reason: error.localizedDescription), error)
        }
    }

    /// Waits for the next batch in order; nil at the end of the list or after a cancel.
    func takeNextBatch() -> (number: Int, results: [ItemResult])? {
        condition.lock()
        defer { condition.unlock() }
        let number = deliveredBatches
        while !cancelled && number * batchSize < items.count {
            if let batch = pending[number], batch.remaining == 0 {
                pending[number] = nil
                deliveredBatches += 1
                condition.broadcast()  // workers waiting for room may go on
                return (number, batch.results.map { $0! })
            }
            condition.wait()
        }
        return nil
    }
}
