import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest

/// The real Keras files in Tests/Fixtures/keras, written by
/// Tests/Fixtures/scripts/make_keras_fixtures.py (tf_keras 2.21 and Keras 3.15), and the
/// inputs and Keras outputs stored beside them in expected.h5.
enum KerasFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KerasFormatTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/keras")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct Expected {
        let input: Tensor
        /// tf_keras's output.
        let keras2: Tensor?
        /// Keras 3's output where it differs by design (hard_sigmoid); otherwise the tf_keras
        /// output, which the script checked Keras 3 reproduces to 1e-5.
        let keras3: Tensor?
    }

    static func expected(_ model: String) throws -> Expected {
        let file = try File(opening: path("expected.h5"))
        let group = try file.group(at: model)
        func read(_ name: String) throws -> Tensor? {
            guard try group.contains(name) else { return nil }
            let dataset = try group.dataset(at: name)
            return Tensor(shape: dataset.shape, scalars: try dataset.readFloats())
        }
        let keras2 = try read("k2")
        return Expected(input: try read("input")!, keras2: keras2, keras3: try read("k3") ?? keras2)
    }
}

/// Compares element by element; on failure names the largest difference and its index.
/// Returns the largest difference, for the log.
@discardableResult
func assertMatchesKeras(_ actual: Tensor, _ expected: Tensor, _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) -> Float {
    guard actual.shape == expected.shape else {
        XCTFail("\(label): shape \(actual.shape), Keras \(expected.shape)", file: file, line: line)
        return .infinity
    }
    var maxDifference: Float = 0
    var worst = 0
    var maxMagnitude: Float = 0
    for index in 0..<expected.count {
        let difference = abs(actual.scalars[index] - expected.scalars[index])
        maxMagnitude = max(maxMagnitude, abs(expected.scalars[index]))
        if difference > maxDifference || difference.isNaN {
            maxDifference = difference
            worst = index
            if difference.isNaN { break }
        }
    }
    let tolerance = 1e-4 * (1 + maxMagnitude)
    let position = multiIndex(worst, shape: expected.shape)
    print("[keras-parity] \(label): max |tl - keras| = \(maxDifference) at \(position) (max |keras| \(maxMagnitude))")
    if !(maxDifference <= tolerance) {
        XCTFail("\(label): max |tl - keras| = \(maxDifference) at \(position): tl \(actual.scalars[worst]), "
                + "Keras \(expected.scalars[worst]); tolerance \(tolerance)", file: file, line: line)
    }
    return maxDifference
}

func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var rest = flat
    var result = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        result[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return result
}

/// Sets every weight of the model to zero, so a test sees only what the loader put there.
func zeroAllWeights(_ model: KerasModel) {
    for entry in model.kerasLayers {
        for parameter in entry.layer.parameters {
            parameter.value = Tensor(zeros: parameter.shape)
        }
    }
}

/// Runs `body`, expecting an error of type `E`, and returns it.
func expectError<E: Error, T>(_ errorType: E.Type, _ body: @autoclosure () throws -> T,
                              file: StaticString = #filePath, line: UInt = #line) -> E? {
    do {
        _ = try body()
        XCTFail("expected \(E.self), nothing was thrown", file: file, line: line)
    } catch let error as E {
        return error
    } catch {
        XCTFail("expected \(E.self), got \(Swift.type(of: error)): \(error.localizedDescription)", file: file, line: line)
    }
    return nil
}
