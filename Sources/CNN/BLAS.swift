import CBLAS

/// The BLAS library the engine's GEMMs run on (OpenBLAS).
public enum BLAS {
    /// The kernel OpenBLAS selected for this CPU, e.g. "SkylakeX" or the generic "Prescott".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS runs every call on the calling thread; the engine splits the work between
    /// its own threads instead. With OpenBLAS's own pool, its idle threads spin in
    /// sched_yield between the many mid-sized GEMMs of a network (10–20% of the time of a
    /// forward pass, measured), and a convolution's packing, GEMM and epilogue cannot
    /// share one thread's cache. Evaluated once, before the first GEMM.
    static let singleThreaded: Void = openblas_set_num_threads(1)

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
/// op(A) of size m×k and op(B) of size k×n. Large products are split between the
/// engine's threads by blocks of rows of C (or of columns, when C is wide and short);
/// each block is one single-threaded OpenBLAS call writing only its own part of C.
public func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let threads = Engine.threadCount
    // Below about a million multiply-adds, waking a second thread costs more than it saves.
    guard threads > 1, m * n * k >= 1 << 20, max(m, n) >= 16 * threads else {
        serialSgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    let (aBase, bBase, cBase) = (SendableConstPointer(a), SendableConstPointer(b), SendablePointer(c))
    if m >= n {
        // Blocks of rows of C: rows of op(A).
        let block = (m + threads - 1) / threads
        onThreads(threads) { t in
            let rows = (t * block)..<min(m, (t + 1) * block)
            guard !rows.isEmpty else { return }
            let aBlock = aBase.base + rows.lowerBound * (transposeA ? 1 : lda)
            serialSgemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                        a: aBlock, lda: lda, b: bBase.base, ldb: ldb, beta: beta, c: cBase.base + rows.lowerBound * ldc, ldc: ldc)
        }
    } else {
        // Blocks of columns of C: columns of op(B).
        onColumnBlocks(n, threads: threads) { columns in
            let bBlock = bBase.base + columns.lowerBound * (transposeB ? ldb : 1)
            serialSgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
                        a: aBase.base, lda: lda, b: bBlock, ldb: ldb, beta: beta, c: cBase.base + columns.lowerBound, ldc: ldc)
        }
    }
}

/// y (1×n) = x (1×k) · B (k×n, row-major, leading dimension ldb) + beta · y: a GEMM with one
/// row, as a dense layer computes for a single image. OpenBLAS's GEMM would first pack all of
/// B, reading the weights twice; its GEMV streams them once. The columns are split between the
/// engine's threads in multiples of 16, each block one single-threaded call.
public func sgemvRow(n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, y: UnsafeMutablePointer<Float>) {
    _ = BLAS.singleThreaded
    guard k > 0 else {
        // As serialSgemm: BLAS leaves y untouched for an empty product; make beta's scaling explicit.
        for i in 0..<n { y[i] = beta == 0 ? 0 : y[i] * beta }
        return
    }
    let (xBase, bBase, yBase) = (SendableConstPointer(x), SendableConstPointer(b), SendablePointer(y))
    onColumnBlocks(n, threads: n * k >= 1 << 18 ? Engine.threadCount : 1) { columns in
        // Row-major Bᵀ·x: each row of B is read once, contiguously.
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(columns.count), 1,
                    bBase.base + columns.lowerBound, Int32(ldb), xBase.base, 1, beta, yBase.base + columns.lowerBound, 1)
    }
}

/// `body` for each thread's block of 0..<n, in multiples of 16 columns (one AVX-512 register);
/// the blocks are disjoint, so each may write its own columns of the result.
private func onColumnBlocks(_ n: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let block = ((n + threads - 1) / threads + 15) / 16 * 16
    onThreads(threads) { t in
        let columns = min(n, t * block)..<min(n, (t + 1) * block)
        if !columns.isEmpty { body(columns) }
    }
}

/// The same product on the calling thread only: for callers that already run on one of
/// the engine's threads (a convolution's chunk of rows).
public func serialSgemm(
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
    _ = BLAS.singleThreaded
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
