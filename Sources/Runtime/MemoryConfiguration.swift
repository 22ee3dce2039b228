import CMalloc

/// glibc serves every allocation above 32 MiB with a fresh mmap and unmaps it on
/// free, so each batch-32 activation would page-fault its way in anew (measured:
/// a 1×1 convolution with a 100 MB output ran at a third of its GEMM's speed).
/// Keeping large blocks on the heap lets the next batch reuse the same pages.
public enum MemoryConfiguration {
    public static func reuseLargeAllocations() {
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    }
}
