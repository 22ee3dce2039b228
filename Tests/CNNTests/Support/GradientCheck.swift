import XCTest
@testable import CNN

/// The largest element-wise difference between two arrays, with where it is,
/// so a failure says which index is wrong rather than that a sum is off.
struct Difference: CustomStringConvertible {
    var maximum: Float = 0
    var index = -1
    var expected: Float = 0
    var actual: Float = 0
    var description: String {
        "largest difference \(maximum) at index \(index) (expected \(expected), got \(actual))"
    }
}

/// Compares element by element with |a − e| ≤ absolute + relative·|e|, failing on the worst offender.
@discardableResult
func assertClose(_ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-4,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) -> Difference {
    XCTAssertEqual(actual.count, expected.count, "\(message): element counts differ", file: file, line: line)
    var worst = Difference()
    var worstExcess: Float = -.infinity
    for i in 0..<min(actual.count, expected.count) {
        let difference = abs(actual[i] - expected[i])
        let excess = difference - (absolute + relative * abs(expected[i]))
        if excess > worstExcess || difference.isNaN {
            worstExcess = difference.isNaN ? .infinity : excess
            worst = Difference(maximum: difference, index: i, expected: expected[i], actual: actual[i])
        }
    }
    if worstExcess > 0 {
        XCTFail("\(message): \(worst)", file: file, line: line)
    }
    return worst
}

func assertClose(_ actual: Tensor, _ expected: Tensor, absolute: Float = 1e-5, relative: Float = 1e-4,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(message): shapes differ", file: file, line: line)
    assertClose(actual.scalars, expected.scalars, absolute: absolute, relative: relative, message, file: file, line: line)
}

/// Checks `layer.backward` against central finite differences of
/// loss = Σ forward(inputs) · g for a random upstream gradient g: every input
/// gradient and every trainable parameter gradient, element by element.
///
/// The loss is summed in Float64; the forward pass runs in Float32, so the step
/// `epsilon` is large enough for its rounding to stay well below `tolerance`.
/// Layers whose forward pass is random (dropout) cannot be checked this way.
func checkGradients(of layer: Layer, inputs: [Tensor], training: Bool = true,
                    epsilon: Float = 1e-2, tolerance: Float = 1e-2, seed: UInt64 = 7,
                    file: StaticString = #filePath, line: UInt = #line) throws {
    var generator = SeededGenerator(seed: seed)
    let output = try layer.forward(inputs, training: training)
    let upstream = generator.uniformTensor(shape: output.shape)
    for parameter in layer.parameters { parameter.zeroGradient() }
    let inputGradients = try layer.backward(upstream, inputGradients: true)
    XCTAssertEqual(inputGradients.count, inputs.count, "one gradient per input", file: file, line: line)

    func loss(_ perturbedInputs: [Tensor]) throws -> Double {
        let out = try layer.forward(perturbedInputs, training: training)
        var total = 0.0
        for i in 0..<out.count { total += Double(out.scalars[i]) * Double(upstream.scalars[i]) }
        return total
    }

    for (which, input) in inputs.enumerated() where which < inputGradients.count {
        var numeric = [Float](repeating: 0, count: input.count)
        for i in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[which].scalars[i] += epsilon
            minus[which].scalars[i] -= epsilon
            numeric[i] = Float((try loss(plus) - loss(minus)) / Double(2 * epsilon))
        }
        assertClose(inputGradients[which].scalars, numeric, absolute: tolerance, relative: tolerance,
                    "\(layer.name): gradient of input \(which)", file: file, line: line)
    }

    for parameter in layer.parameters where parameter.isTrainable && layer.isTrainable {
        let analytic = parameter.gradient.scalars
        var numeric = [Float](repeating: 0, count: parameter.value.count)
        let original = parameter.value
        for i in 0..<original.count {
            parameter.value.scalars[i] = original.scalars[i] + epsilon
            let plus = try loss(inputs)
            parameter.value.scalars[i] = original.scalars[i] - epsilon
            let minus = try loss(inputs)
            parameter.value = original
            numeric[i] = Float((plus - minus) / Double(2 * epsilon))
        }
        assertClose(analytic, numeric, absolute: tolerance, relative: tolerance,
                    "\(layer.name): gradient of \(parameter.name)", file: file, line: line)
    }
}
