import CNN
import Foundation

/// The thread count for both BLAS and the engine's own loops: `--threads`, else
/// `TL_THREADS`, else every core.
public enum ThreadConfiguration {
    public static func apply(requested: Int?) {
        let fromEnvironment = ProcessInfo.processInfo.environment["TL_THREADS"].flatMap(Int.init)
        let count = max(1, requested ?? fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount)
        Engine.threadCount = count
        BLAS.setThreadCount(count)
    }

    public static var summary: String {
        "BLAS: OpenBLAS, kernel \(BLAS.coreName), \(BLAS.threadCount) thread(s); engine: \(Engine.threadCount) thread(s)"
    }
}
