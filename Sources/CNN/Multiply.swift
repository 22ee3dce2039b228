/// Keras `Multiply`: the element-wise product of two or more inputs, with
/// size-1 dimensions broadcast, as squeeze-and-excitation scales (N, H, W, C)
/// by (N, 1, 1, C). Inputs must have one rank; the batch dimension broadcasts too.
public final class Multiply: Layer {
    public let name: String
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// Every factor is needed for the others' gradients.
    private var savedInputs: [Tensor]?

    public init(name: String) {
        self.name = name
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "needs at least 2 inputs, got \(inputShapes.count)")
        }
        return try broadcastShape(inputShapes)
    }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        _ = try outputShape(for: inputs.map { Array($0.shape.dropFirst()) })
        let shape = try broadcastShape(inputs.map(\.shape))
        var output: Tensor
        if inputs[0].shape == shape {
            output = inputs[0]
        } else {
            output = Tensor(zeros: shape)
            let strides = broadcastStrides(of: inputs[0].shape, in: shape)
            inputs[0].withPointer { x in
                output.withMutablePointer { y in broadcastCopy(x, strides: strides, into: y, shape: shape) }
            }
        }
        output.withMutablePointer { y in
            for input in inputs.dropFirst() {
                let strides = broadcastStrides(of: input.shape, in: shape)
                input.withPointer { x in broadcastMultiplyInPlace(x, strides: strides, into: y, shape: shape) }
            }
        }
        savedInputs = training ? inputs : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradients: Bool) throws -> [Tensor] {
        guard let inputs = savedInputs else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradients else { return [] }
        let shape = outputGradient.shape
        guard shape == (try broadcastShape(inputs.map(\.shape))) else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'",
                                            expected: try broadcastShape(inputs.map(\.shape)), actual: shape)
        }
        var gradients = [Tensor]()
        gradients.reserveCapacity(inputs.count)
        for (k, input) in inputs.enumerated() {
            // d(Π x_j)/dx_k = Π_{j≠k} x_j, then summed over the dimensions x_k was broadcast along.
            var product = outputGradient
            product.withMutablePointer { y in
                for (j, other) in inputs.enumerated() where j != k {
                    let strides = broadcastStrides(of: other.shape, in: shape)
                    other.withPointer { x in broadcastMultiplyInPlace(x, strides: strides, into: y, shape: shape) }
                }
            }
            if input.shape == shape {
                gradients.append(product)
            } else {
                var gradient = Tensor(zeros: input.shape)
                let strides = broadcastStrides(of: input.shape, in: shape)
                product.withPointer { y in
                    gradient.withMutablePointer { dx in broadcastSumReduce(y, shape: shape, into: dx, strides: strides) }
                }
                gradients.append(gradient)
            }
        }
        return gradients
    }

    /// Each dimension is the inputs' common size, any of them being 1 to broadcast.
    private func broadcastShape(_ shapes: [[Int]]) throws -> [Int] {
        let rank = shapes[0].count
        guard shapes.allSatisfy({ $0.count == rank }) else {
            throw EngineError.invalidConfiguration(layer: name, reason: "inputs of different ranks: \(shapes)")
        }
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            for shape in shapes where shape[axis] != 1 {
                guard result[axis] == 1 || result[axis] == shape[axis] else {
                    throw EngineError.invalidConfiguration(layer: name, reason: "shapes \(shapes) do not broadcast")
                }
                result[axis] = shape[axis]
            }
        }
        return result
    }
}

/// Row-major strides of a tensor of `shape` read as if it had `outputShape`:
/// 0 along the dimensions it is broadcast along.
public func broadcastStrides(of shape: [Int], in outputShape: [Int]) -> [Int] {
    precondition(shape.count == outputShape.count, "ranks differ: \(shape) in \(outputShape)")
    var strides = [Int](repeating: 0, count: shape.count)
    var step = 1
    for axis in (0..<shape.count).reversed() {
        strides[axis] = shape[axis] == 1 && outputShape[axis] != 1 ? 0 : step
        step *= shape[axis]
    }
    return strides
}

/// Calls `body(outputOffset, inputOffset, length, innerStride)` once per row along the
/// last axis of `shape`, walking the other axes like an odometer so the input offset
/// follows `strides` without a division per element.
@inline(__always)
private func forEachBroadcastRow(shape: [Int], strides: [Int], _ body: (Int, Int, Int, Int) -> Void) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    guard let length = shape.last else {
        body(0, 0, 1, 0)
        return
    }
    let outer = shape.count - 1
    let innerStride = strides[outer]
    var index = [Int](repeating: 0, count: outer)
    var inputOffset = 0
    for row in 0..<(count / length) {
        body(row * length, inputOffset, length, innerStride)
        var axis = outer - 1
        while axis >= 0 {
            index[axis] += 1
            inputOffset += strides[axis]
            if index[axis] < shape[axis] { break }
            inputOffset -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// y (shape) = x broadcast to shape.
public func broadcastCopy(_ x: UnsafePointer<Float>, strides: [Int], into y: UnsafeMutablePointer<Float>, shape: [Int]) {
    forEachBroadcastRow(shape: shape, strides: strides) { o, i, length, step in
        if step == 0 {
            (y + o).update(repeating: x[i], count: length)
        } else {
            for c in 0..<length { y[o + c] = x[i + c * step] }
        }
    }
}

/// y (shape) *= x broadcast to shape.
public func broadcastMultiplyInPlace(_ x: UnsafePointer<Float>, strides: [Int], into y: UnsafeMutablePointer<Float>, shape: [Int]) {
    forEachBroadcastRow(shape: shape, strides: strides) { o, i, length, step in
        let row = y + o
        let source = x + i
        // Split on the stride so the common cases run as plain contiguous loops.
        if step == 1 {
            for c in 0..<length { row[c] *= source[c] }
        } else if step == 0 {
            let factor = source[0]
            for c in 0..<length { row[c] *= factor }
        } else {
            for c in 0..<length { row[c] *= source[c * step] }
        }
    }
}

/// x += y (shape) summed onto x's broadcast positions: the adjoint of `broadcastCopy`.
public func broadcastSumReduce(_ y: UnsafePointer<Float>, shape: [Int], into x: UnsafeMutablePointer<Float>, strides: [Int]) {
    forEachBroadcastRow(shape: shape, strides: strides) { o, i, length, step in
        let row = y + o
        if step == 0 {
            var sum: Float = 0
            for c in 0..<length { sum += row[c] }
            x[i] += sum
        } else {
            for c in 0..<length { x[i + c * step] += row[c] }
        }
    }
}
