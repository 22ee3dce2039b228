/// Keras `Dense`: y = x · kernel + bias over the last axis, kernel (in, out).
/// An activation, when Keras's config has one, is a separate `Activation` layer.
public final class Dense: UnaryLayer {
    public let name: String
    public let units: Int
    public let kernel: Parameter
    public let bias: Parameter?
    public var isTrainable = true { didSet { applyTrainable() } }
    private var savedInput: Tensor?

    public init(name: String, inputUnits: Int, units: Int, useBias: Bool = true) {
        self.name = name
        self.units = units
        kernel = Parameter(name: "kernel", value: Tensor(zeros: [inputUnits, units]))
        bias = useBias ? Parameter(name: "bias", value: Tensor(zeros: [units]), role: .bias) : nil
    }

    public var inputUnits: Int { kernel.shape[0] }
    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.last == inputUnits else {
            throw EngineError.shapeMismatch(what: "input of Dense '\(name)'", expected: [inputUnits], actual: inputShape)
        }
        return Array(inputShape.dropLast()) + [units]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        let rows = input.count / inputUnits
        var output = Tensor(zeros: Array(input.shape.dropLast()) + [units])
        input.withPointer { x in
            kernel.value.withPointer { w in
                output.withMutablePointer { y in
                    (bias?.value).withPointer { b in
                        denseForward(input: x, kernel: w, bias: b, output: y, rows: rows, inputUnits: inputUnits, units: units)
                    }
                }
            }
        }
        savedInput = training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let input = savedInput else { throw EngineError.notTrainedForward(layer: name) }
        let rows = input.count / inputUnits
        var inputGrad: Tensor? = inputGradient ? Tensor(zeros: input.shape) : nil
        withBackwardPointers(input: input, outputGradient: outputGradient, inputGradient: &inputGrad) { x, w, dy, dw, db, dx in
            denseBackward(input: x, kernel: w, outputGradient: dy, kernelGradient: dw, biasGradient: db,
                          inputGradient: dx, rows: rows, inputUnits: inputUnits, units: units)
        }
        return inputGrad
    }
}

/// output (rows, units) = input (rows, inputUnits) · kernel (inputUnits, units) + bias.
public func denseForward(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         output: UnsafeMutablePointer<Float>, rows: Int, inputUnits: Int, units: Int) {
    if let bias {
        for row in 0..<rows {
            (output + row * units).update(from: bias, count: units)
        }
    }
    if rows == 1 {
        sgemvRow(n: units, k: inputUnits, x: input, b: kernel, ldb: units, beta: bias == nil ? 0 : 1, y: output)
        return
    }
    sgemm(transposeA: false, transposeB: false, m: rows, n: units, k: inputUnits,
          a: input, lda: inputUnits, b: kernel, ldb: units,
          beta: bias == nil ? 0 : 1, c: output, ldc: units)
}

/// Accumulates kernelGradient += inputᵀ · dY and biasGradient += Σ_rows dY;
/// writes inputGradient = dY · kernelᵀ. A nil gradient is skipped.
public func denseBackward(input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                          kernelGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                          inputGradient: UnsafeMutablePointer<Float>?, rows: Int, inputUnits: Int, units: Int) {
    if let kernelGradient {
        sgemm(transposeA: true, transposeB: false, m: inputUnits, n: units, k: rows,
              a: input, lda: inputUnits, b: outputGradient, ldb: units,
              beta: 1, c: kernelGradient, ldc: units)
    }
    if let biasGradient {
        for row in 0..<rows {
            let line = outputGradient + row * units
            for unit in 0..<units { biasGradient[unit] += line[unit] }
        }
    }
    if let inputGradient {
        sgemm(transposeA: false, transposeB: true, m: rows, n: inputUnits, k: units,
              a: outputGradient, lda: units, b: kernel, ldb: units,
              beta: 0, c: inputGradient, ldc: inputUnits)
    }
}
