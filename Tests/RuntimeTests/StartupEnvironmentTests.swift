import XCTest
@testable import Runtime

/// What the process restarts with: the settings it lacks, never one the user set.
final class StartupEnvironmentTests: XCTestCase {
    private let avx512: Set<String> = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma"]

    func testAsksForHugePagesTheFastKernelAndNoBLASPool() {
        let settings = StartupEnvironment.settings(environment: [:], blasCore: "Prescott", cpuFlags: avx512)
        XCTAssertEqual(settings, ["OPENBLAS_CORETYPE": "SkylakeX", "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1",
                                  "OPENBLAS_NUM_THREADS": "1"])
    }

    func testKeepsOtherTunables() {
        let settings = StartupEnvironment.settings(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2", "OPENBLAS_NUM_THREADS": "1"],
                                                   blasCore: "SkylakeX", cpuFlags: avx512)
        XCTAssertEqual(settings, ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"])
    }

    func testLeavesWhatTheUserSetAlone() {
        let environment = ["GLIBC_TUNABLES": "glibc.malloc.hugetlb=0", "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "4"]
        XCTAssertEqual(StartupEnvironment.settings(environment: environment, blasCore: "Prescott", cpuFlags: avx512), [:])
        XCTAssertEqual(StartupEnvironment.settings(environment: ["GLIBC_TUNABLES": "glibc.malloc.hugetlb=1", "OPENBLAS_NUM_THREADS": "2"],
                                                   blasCore: "Haswell", cpuFlags: avx512), [:],
                       "a recognised kernel needs no restart")
    }
}
