import CNN
import Foundation

/// The engine's thread count: `--threads`, else `TL_THREADS`, else every core. BLAS
/// calls are single-threaded and split between these threads by the engine; oneDNN runs
/// the same number of OpenMP threads.
public enum ThreadConfiguration {
    public static func apply(requested: Int?) {
        let fromEnvironment = ProcessInfo.processInfo.environment["TL_THREADS"].flatMap(Int.init)
        let count = max(1, requested ?? fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount)
        Engine.threadCount = count
    }

    public static var summary: String {
        "BLAS: OpenBLAS, kernel \(BLAS.coreName), one thread per call; convolutions not being trained: "
            + "\(OneDNN.summary); engine: \(Engine.threadCount) thread(s)"
    }
}
