import Foundation

/// How many threads the engine uses, for its own loops and for splitting GEMMs (OpenBLAS
/// itself runs single-threaded), and for oneDNN; all of them OpenMP's threads. Set once at
/// start-up from `--threads` / `TL_THREADS`.
public enum Engine {
    nonisolated(unsafe) public static var threadCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// 3×3 stride-1 convolutions through Winograd F(2×2, 3×3) (off: im2col + GEMM, for comparisons).
    nonisolated(unsafe) public static var usesWinograd = true
    /// Convolutions that are not being trained through oneDNN (off: the engine's own kernels).
    nonisolated(unsafe) public static var usesOneDNN = true
    /// Inference batches of networks with up to `slicedParameterLimit` parameters run in slices
    /// of this many images (0: whole batches); see `Graph.run`.
    nonisolated(unsafe) public static var inferenceSlice = 4
    nonisolated(unsafe) public static var slicedParameterLimit = 10_000_000
}

/// A raw pointer that may cross into the closures of parallel loops. Every use
/// documents why the ranges written by different iterations are disjoint.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<T>
    @usableFromInline init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

@usableFromInline
struct SendableConstPointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<T>
    @usableFromInline init(_ base: UnsafePointer<T>) { self.base = base }
}

/// Runs `body(range)` over `0..<count` split into at most `Engine.threadCount`
/// contiguous chunks of at least `minimumChunk` items.
@inlinable
public func parallelChunks(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = max(1, min(Engine.threadCount, count / max(1, minimumChunk)))
    if threads == 1 {
        body(0..<count)
        return
    }
    let chunk = (count + threads - 1) / threads
    onThreads(threads) { t in
        let start = t * chunk
        let end = min(count, start + chunk)
        if start < end { body(start..<end) }
    }
}

/// Runs `body(t)` for t in 0..<threads, on the calling thread alone when there is one, else on
/// the OpenMP threads oneDNN uses too. Two pools (libdispatch's and OpenMP's) on two cores
/// took turns badly: OpenMP's threads spin for a while after each oneDNN call, and a worker of
/// the other pool woken meanwhile shares a core with a spinning thread.
public func onThreads(_ threads: Int, _ body: (Int) -> Void) {
    if threads <= 1 {
        body(0)
    } else {
        OpenMPTeam.run(threads, body)
    }
}
