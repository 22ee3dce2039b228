import CBLAS

/// The BLAS library the engine's GEMMs run on (OpenBLAS).
public enum BLAS {
    /// The kernel OpenBLAS selected for this CPU, e.g. "SkylakeX" or the generic "Prescott".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The OPENBLAS_CORETYPE worth forcing when OpenBLAS fell back to its generic
    /// kernel on a CPU it does not recognise (Debian's 0.3.21 does this on recent
    /// Xeons), judged from the CPU's feature flags; nil when nothing better is known.
    public static func preferredCoreType(current: String, cpuFlags: Set<String>) -> String? {
        let generic: Set<String> = ["prescott", "core2", "nehalem", "katmai", "unknown", "generic"]
        guard generic.contains(current.lowercased()) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}

/// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C, with
/// op(A) of size m×k and op(B) of size k×n.
@inlinable
public func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        // BLAS leaves C untouched for k = 0 only when beta is 1; make the beta scaling explicit.
        if beta != 1 {
            for row in 0..<m {
                let line = c + row * ldc
                for column in 0..<n { line[column] = beta == 0 ? 0 : line[column] * beta }
            }
        }
        return
    }
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
