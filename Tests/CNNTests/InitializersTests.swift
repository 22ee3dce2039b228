import XCTest
@testable import CNN

final class InitializersTests: XCTestCase {
    private func statistics(_ values: [Float]) -> (mean: Double, std: Double, maxAbs: Float) {
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot(), values.map(abs).max() ?? 0)
    }

    func testFansFollowKerasRules() {
        XCTAssertTrue(kerasFans(of: [3, 3, 16, 32]) == (144, 288))
        XCTAssertTrue(kerasFans(of: [10, 20]) == (10, 20))
        XCTAssertTrue(kerasFans(of: [5]) == (5, 5))
        XCTAssertTrue(kerasFans(of: [7, 1, 4, 2]) == (28, 14))
    }

    func testSeededReproducibility() {
        for initializer in [Initializer.heNormal, .heUniform, .glorotNormal, .glorotUniform] {
            var a = SeededGenerator(seed: 42)
            var b = SeededGenerator(seed: 42)
            var c = SeededGenerator(seed: 43)
            let first = initializer.tensor(shape: [3, 3, 2, 4], using: &a)
            XCTAssertEqual(first, initializer.tensor(shape: [3, 3, 2, 4], using: &b), "\(initializer)")
            XCTAssertNotEqual(first, initializer.tensor(shape: [3, 3, 2, 4], using: &c), "\(initializer)")
        }
    }

    func testHeNormalIsATruncatedNormalWithTheRequestedStddev() {
        var generator = SeededGenerator(seed: 1)
        let shape = [3, 3, 32, 64]  // fan_in 288
        let values = Initializer.heNormal.tensor(shape: shape, using: &generator).scalars
        let target = (2.0 / 288).squareRoot()
        let (mean, std, maxAbs) = statistics(values)
        // 18 432 samples: the sample stddev is within ~0.5 % of the truth; allow 2 %.
        XCTAssertEqual(std, target, accuracy: 0.02 * target)
        XCTAssertEqual(mean, 0, accuracy: 0.05 * target)
        // Truncated at 2 stddev of the *untruncated* normal, stddev target / 0.8796...
        let bound = Float(2 * target / 0.87962566103423978)
        XCTAssertLessThanOrEqual(maxAbs, bound * (1 + 1e-6))
        XCTAssertGreaterThan(maxAbs, bound * 0.95, "the tails reach the truncation point")
    }

    func testGlorotNormal() {
        var generator = SeededGenerator(seed: 2)
        let values = Initializer.glorotNormal.tensor(shape: [120, 80], using: &generator).scalars
        let target = (2.0 / 200).squareRoot()
        let (_, std, maxAbs) = statistics(values)
        XCTAssertEqual(std, target, accuracy: 0.02 * target)
        XCTAssertLessThanOrEqual(maxAbs, Float(2 * target / 0.87962566103423978) * (1 + 1e-6))
    }

    func testUniformLimits() {
        for (initializer, shape, limit) in [
            (Initializer.heUniform, [3, 3, 32, 64], (6.0 / 288).squareRoot()),
            (Initializer.glorotUniform, [120, 80], (6.0 / 200).squareRoot()),
        ] {
            var generator = SeededGenerator(seed: 3)
            let values = initializer.tensor(shape: shape, using: &generator).scalars
            let (_, std, maxAbs) = statistics(values)
            XCTAssertLessThanOrEqual(Double(maxAbs), limit, "\(initializer)")
            XCTAssertGreaterThan(Double(maxAbs), 0.99 * limit, "\(initializer)")
            XCTAssertEqual(std, limit / 3.0.squareRoot(), accuracy: 0.02 * limit, "\(initializer)")
        }
    }

    func testTruncatedNormalSamplesStayWithinTwo() {
        var generator = SeededGenerator(seed: 4)
        let values = (0..<20_000).map { _ in generator.nextTruncatedNormal() }
        let (_, std, maxAbs) = statistics(values)
        XCTAssertLessThanOrEqual(maxAbs, 2)
        XCTAssertEqual(std, 0.87962566103423978, accuracy: 0.015)
    }

    func testConstantsAndKerasNames() {
        var generator = SeededGenerator(seed: 5)
        XCTAssertEqual(Initializer.zeros.tensor(shape: [2, 3], using: &generator), Tensor(zeros: [2, 3]))
        XCTAssertEqual(Initializer.ones.tensor(shape: [4], using: &generator), Tensor(repeating: 1, shape: [4]))
        XCTAssertEqual(Initializer(kerasName: "he_normal"), .heNormal)
        XCTAssertEqual(Initializer(kerasName: "glorot_uniform"), .glorotUniform)
        XCTAssertEqual(Initializer(kerasName: "zeros"), .zeros)
        XCTAssertNil(Initializer(kerasName: "orthogonal"))
    }
}
