import CMalloc
import Foundation

/// glibc serves every allocation above 32 MiB with a fresh mmap and unmaps it on
/// free, so each batch-32 activation would page-fault its way in anew (measured:
/// a 1×1 convolution with a 100 MB output ran at a third of its GEMM's speed).
/// Keeping large blocks on the heap lets the next batch reuse the same pages.
public enum MemoryConfiguration {
    public static func reuseLargeAllocations() {
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    }

    /// Whether the heap is on transparent huge pages (`StartupEnvironment` asks glibc for them).
    public static var summary: String {
        let tunables = ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] ?? ""
        guard tunables.contains("glibc.malloc.hugetlb=1") else { return "heap: 4 KiB pages (glibc.malloc.hugetlb is not 1)" }
        let mode = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? ""
        guard !mode.contains("[never]") else { return "heap: 4 KiB pages (the kernel's transparent huge pages are off)" }
        return "heap: transparent huge pages"
    }
}
