import XCTest
@testable import CNN

/// The engine's parallel loops on OpenMP's threads: every iteration runs exactly once, also when
/// more iterations are asked than there are threads and when a loop runs inside another (OpenMP
/// then gives the inner region a team of one thread).
final class ParallelTests: XCTestCase {
    func testEveryIterationRunsOnce() {
        for count in 1...6 {
            let counts = Counters(count)
            onThreads(count) { t in counts.add(t) }
            XCTAssertEqual(counts.values, [Int](repeating: 1, count: count), "\(count) iterations")
        }
    }

    func testNestedLoopsRunEveryIteration() {
        let counts = Counters(12)
        onThreads(3) { outer in
            onThreads(4) { inner in counts.add(outer * 4 + inner) }
        }
        XCTAssertEqual(counts.values, [Int](repeating: 1, count: 12))
    }

    func testChunksCoverTheRangeOnce() {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        for threads in [1, 2, 3] {
            Engine.threadCount = threads
            let counts = Counters(1000)
            parallelChunks(1000, minimumChunk: 7) { range in for i in range { counts.add(i) } }
            XCTAssertEqual(counts.values, [Int](repeating: 1, count: 1000), "\(threads) threads")
        }
    }
}

/// One counter per index, updated under a lock (iterations may share an index in a broken loop).
private final class Counters: @unchecked Sendable {
    private var storage: [Int]
    private let lock = NSLock()
    init(_ count: Int) { storage = [Int](repeating: 0, count: count) }
    func add(_ index: Int) { lock.lock(); storage[index] += 1; lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return storage }
}
