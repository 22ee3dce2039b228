import CFloatingPoint
import CNN

/// Denormal floats (below 1.2e-38) take a slow microcode path on x86: a training run whose
/// gradients or weights drift into that range spent 75% of an epoch in the GEMM kernel and
/// ran 10-15 times slower (measured). TensorFlow flushes them to zero on its threads; so does
/// tl. The control bits are per thread and new threads inherit them from their creator, so
/// this runs first thing in `main`, before any worker thread exists.
public enum FloatingPointConfiguration {
    public static func flushDenormals() {
        tl_flush_denormals()
    }

    /// Whether the calling thread and the engine's worker threads (OpenMP's, shared with oneDNN)
    /// all flush denormals.
    public static func denormalsFlushedOnEngineThreads() -> Bool {
        let threads = max(2, Engine.threadCount)
        let flags = FlagBox(count: threads)
        onThreads(threads) { index in
            flags.set(index, tl_denormals_flushed() != 0)
        }
        return tl_denormals_flushed() != 0 && flags.all
    }
}

/// One flag per iteration; each iteration writes only its own element.
private final class FlagBox: @unchecked Sendable {
    private var values: [Bool]
    init(count: Int) { values = [Bool](repeating: false, count: count) }
    func set(_ index: Int, _ value: Bool) { values.withUnsafeMutableBufferPointer { $0[index] = value } }
    var all: Bool { values.allSatisfy { $0 } }
}
