import Foundation
import Dispatch
import Imaging
import XCTest

final class ConcurrencyTests: XCTestCase {
    /// libpng and libjpeg keep all state in per-call structs and the shims use no globals, so
    /// concurrent decodes (good and bad files mixed) must give the single-threaded results.
    func testConcurrentDecodingMatchesSerialDecoding() throws {
        let decoder = ImageDecoder()
        let files = Fixtures.manifest.images.map(\.file) + Fixtures.manifest.errors.map(\.file)
        let serial: [Result<Image, ImageError>] = files.map { file in
            Result { try decoder.decode(contentsOf: Fixtures.url(file)) }.mapError { $0 as! ImageError }
        }
        let rounds = 6
        let results = ResultSlots(count: files.count * rounds)
        DispatchQueue.concurrentPerform(iterations: files.count * rounds) { job in
            let file = files[job % files.count]
            results.set(job, Result { try decoder.decode(contentsOf: Fixtures.url(file)) }.mapError { $0 as! ImageError })
        }
        for job in 0..<files.count * rounds {
            XCTAssertEqual(results.get(job), serial[job % files.count], files[job % files.count])
        }
    }
}

/// Collects results from concurrent jobs; each job writes its own slot under the lock.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<Image, ImageError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Image, ImageError>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> Result<Image, ImageError>? {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]
    }
}
