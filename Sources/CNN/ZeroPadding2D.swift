/// Keras `ZeroPadding2D` (channels_last): pads H and W with zeros, Keras's
/// `padding=((top, bottom), (left, right))`. MobileNet and EfficientNet use the
/// asymmetric ((0, 1), (0, 1)) form before stride-2 `valid` convolutions.
public final class ZeroPadding2D: UnaryLayer {
    public let name: String
    public let top: Int
    public let bottom: Int
    public let left: Int
    public let right: Int
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// The convolution that follows reads the border as implicit zeros
    /// (`Graph.fuseForInference()`), so the input passes through unpadded.
    public internal(set) var isBypassed = false
    /// (N, H, W, C) of the latest training input; the padding alone cannot tell H and W.
    private var savedInputShape: [Int]?

    public init(name: String, top: Int, bottom: Int, left: Int, right: Int) {
        self.name = name
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    /// Keras's `padding=p`: the same amount on all four sides.
    public convenience init(name: String, padding: Int) {
        self.init(name: name, top: padding, bottom: padding, left: padding, right: padding)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "expects (H, W, C) input, got \(inputShape)")
        }
        guard min(top, bottom, left, right) >= 0 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "negative padding ((\(top), \(bottom)), (\(left), \(right)))")
        }
        return [inputShape[0] + top + bottom, inputShape[1] + left + right, inputShape[2]]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        if isBypassed { return input }
        let (batch, height, width, channels) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let output = Tensor.overwritten(shape: [batch] + shape) { y in
            input.withPointer { x in
                zeroPadding2DForward(input: x, output: y, batch: batch, height: height, width: width, channels: channels,
                                     top: top, bottom: bottom, left: left, right: right)
            }
        }
        savedInputShape = training ? input.shape : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let shape = savedInputShape else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        let expected = [shape[0]] + (try outputShape(for: Array(shape.dropFirst())))
        guard outputGradient.shape == expected else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: expected, actual: outputGradient.shape)
        }
        var gradient = Tensor(zeros: shape)
        outputGradient.withPointer { dy in
            gradient.withMutablePointer { dx in
                zeroPadding2DBackward(outputGradient: dy, inputGradient: dx, batch: shape[0], height: shape[1], width: shape[2],
                                      channels: shape[3], top: top, bottom: bottom, left: left, right: right)
            }
        }
        return gradient
    }
}

/// Writes output (N, H+top+bottom, W+left+right, C): input (N, H, W, C) in the interior, zeros
/// on the border. Output rows are split between the engine's threads (ResNet50's `pool1_pad` at
/// batch 32 writes 106 MB).
public func zeroPadding2DForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 batch: Int, height: Int, width: Int, channels: Int,
                                 top: Int, bottom: Int, left: Int, right: Int) {
    let outputWidth = width + left + right
    let outputHeight = height + top + bottom
    let rowCount = width * channels
    let outputRowCount = outputWidth * channels
    let source = SendableConstPointer(input)
    let target = SendablePointer(output)
    // Each chunk owns whole output rows.
    parallelChunks(batch * outputHeight, minimumChunk: max(1, (1 << 14) / max(1, outputRowCount))) { rows in
        for row in rows {
            let (n, y) = (row / outputHeight, row % outputHeight)
            let line = target.base + row * outputRowCount
            guard y >= top, y < top + height else {
                line.update(repeating: 0, count: outputRowCount)
                continue
            }
            // An input row of W·C values is contiguous in both tensors: one copy between two zero runs.
            line.update(repeating: 0, count: left * channels)
            (line + left * channels).update(from: source.base + (n * height + y - top) * rowCount, count: rowCount)
            (line + left * channels + rowCount).update(repeating: 0, count: right * channels)
        }
    }
}

/// Writes inputGradient (N, H, W, C) = the interior of outputGradient; the border's
/// gradient belongs to constant zeros and is dropped.
public func zeroPadding2DBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                  batch: Int, height: Int, width: Int, channels: Int,
                                  top: Int, bottom: Int, left: Int, right: Int) {
    let outputWidth = width + left + right
    let outputHeight = height + top + bottom
    let rowCount = width * channels
    for n in 0..<batch {
        for h in 0..<height {
            let source = outputGradient + ((n * outputHeight + h + top) * outputWidth + left) * channels
            (inputGradient + (n * height + h) * rowCount).update(from: source, count: rowCount)
        }
    }
}
