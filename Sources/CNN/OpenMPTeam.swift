import CDNNL

/// A parallel region on libgomp's threads (the ones oneDNN's primitives run on).
enum OpenMPTeam {
    private struct Region {
        let count: Int
        let body: (Int) -> Void
    }

    /// `body(t)` for every t in 0..<count; returns when all have run. A team smaller than asked
    /// (a region inside a region runs on one thread) takes the iterations in turn.
    static func run(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            var region = Region(count: count, body: escapable)
            withUnsafeMutablePointer(to: &region) { pointer in
                GOMP_parallel({ context in
                    let region = context!.assumingMemoryBound(to: Region.self).pointee
                    var t = Int(omp_get_thread_num())
                    let step = max(1, Int(omp_get_num_threads()))
                    while t < region.count {
                        region.body(t)
                        t += step
                    }
                }, pointer, UInt32(count), 0)
            }
        }
    }
}
