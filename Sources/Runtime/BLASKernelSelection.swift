import CNN
import Foundation

/// Process-level set-up that must happen before the engine's first GEMM.
public enum BLASKernelSelection {
    static let markerVariable = "TL_BLAS_REEXEC"

    /// Debian's OpenBLAS 0.3.21 picks its generic Prescott kernel on CPUs newer than
    /// itself, 3 to 5 times slower than the AVX-512 one. OpenBLAS reads
    /// OPENBLAS_CORETYPE only while it is being loaded, so the only way to switch
    /// is to start the process again with the variable set. Returns only when no
    /// re-execution is needed (or it failed, in which case the slow kernel stays).
    public static func reexecuteWithFastKernelIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[markerVariable] == nil else { return }
        guard let coreType = BLAS.preferredCoreType(current: BLAS.coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        setenv(markerVariable, "1", 1)
        let arguments = CommandLine.arguments
        var cArguments = arguments.map { strdup($0) }
        cArguments.append(nil)
        execv("/proc/self/exe", cArguments)
        // execv returns only on failure: carry on with the generic kernel.
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// The feature flags of the first CPU in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}
