import XCTest
@testable import CNN

/// The engine splits large GEMMs between its threads by rows or by columns of C;
/// every split, transpose and beta must give the naive product.
final class GEMMTests: XCTestCase {
    private func naive(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: [Float], lda: Int,
                       b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Float] {
        var result = c
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                result[i * ldc + j] = Float(sum) + beta * c[i * ldc + j]
            }
        }
        return result
    }

    func testSplitProductsMatchNaiveProduct() {
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        var generator = SeededGenerator(seed: 7)
        // (m, n, k): tall (split by rows), wide (split by columns, n not a multiple of 16), small (not split).
        let shapes = [(300, 40, 100), (20, 1000, 64), (7, 5, 3)]
        for threads in [1, 2, 3] {
            Engine.threadCount = threads
            for (m, n, k) in shapes {
                for transposeA in [false, true] {
                    for transposeB in [false, true] {
                        for beta: Float in [0, 1] {
                            let lda = (transposeA ? m : k) + 3
                            let ldb = (transposeB ? k : n) + 2
                            let ldc = n + 5
                            let a = generator.uniformTensor(shape: [(transposeA ? k : m) * lda]).scalars
                            let b = generator.uniformTensor(shape: [(transposeB ? n : k) * ldb]).scalars
                            let c = generator.uniformTensor(shape: [m * ldc]).scalars
                            var actual = c
                            actual.withUnsafeMutableBufferPointer { cc in
                                sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: cc.baseAddress!, ldc: ldc)
                            }
                            let expected = naive(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                            assertClose(actual, expected, absolute: 1e-4,
                                        "threads \(threads), \(m)x\(n)x\(k), tA \(transposeA), tB \(transposeB), beta \(beta)")
                        }
                    }
                }
            }
        }
    }
}
