import CNN
import Foundation

/// Settings that libraries read only while the process is being loaded. When one is missing,
/// the process starts itself again, once, with it in its environment.
public enum StartupEnvironment {
    static let markerVariable = "TL_REEXEC"

    /// Returns when nothing needs to change, or when starting again failed (the process then
    /// runs without the settings: slower, not wrong).
    public static func restartIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[markerVariable] == nil else { return }
        let additions = settings(environment: environment, blasCore: BLAS.coreName, cpuFlags: cpuFlags())
        guard !additions.isEmpty else { return }
        for (name, value) in additions { setenv(name, value, 1) }
        setenv(markerVariable, "1", 1)
        var cArguments = CommandLine.arguments.map { strdup($0) }
        cArguments.append(nil)
        // The binary's own path rather than /proc/self/exe, which would name the process "exe" in ps and top.
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        execv(binary, cArguments)
        // execv returns only on failure: carry on as loaded.
        for (name, _) in additions {
            if let old = environment[name] { setenv(name, old, 1) } else { unsetenv(name) }
        }
    }

    /// The variables to set, given the environment, the OpenBLAS kernel loaded and the CPU's
    /// feature flags; a variable the user set is left alone.
    static func settings(environment: [String: String], blasCore: String, cpuFlags: Set<String>) -> [String: String] {
        var result = [String: String]()
        // Debian's OpenBLAS 0.3.21 picks its generic Prescott kernel on CPUs newer than itself,
        // 3 to 5 times slower than the AVX-512 one, and reads OPENBLAS_CORETYPE only while loading.
        if environment["OPENBLAS_CORETYPE"] == nil,
           let coreType = BLAS.preferredCoreType(current: blasCore, cpuFlags: cpuFlags) {
            result["OPENBLAS_CORETYPE"] = coreType
        }
        // tl calls OpenBLAS from its own threads, one thread per call (BLAS.swift), but OpenBLAS
        // starts a pool of its own while loading unless told not to, and the idle thread spins in
        // sched_yield for its first tenth of a second: `tl predict` 0.18–0.20 → 0.12–0.13 s.
        if environment["OPENBLAS_NUM_THREADS"] == nil {
            result["OPENBLAS_NUM_THREADS"] = "1"
        }
        // Debian's kernels give transparent huge pages only to memory that asks for them, and
        // glibc's heap asks when this tunable is set at start-up. The weights and activations every
        // pass streams through then need 512 times fewer TLB entries: 1–9% more images/s
        // (BENCHMARKS.md), a few MB more peak memory.
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        if !tunables.contains("glibc.malloc.hugetlb") {
            result["GLIBC_TUNABLES"] = (tunables.isEmpty ? "" : tunables + ":") + "glibc.malloc.hugetlb=1"
        }
        return result
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
