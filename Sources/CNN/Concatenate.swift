/// Keras `Concatenate` along the channel (last) axis, as DenseNet and Inception use it.
/// Keras's `axis` counts the batch dimension: -1, or the positive index of the last
/// axis (3 for images), are accepted; any other axis is refused when the shape is known.
public final class Concatenate: Layer {
    public let name: String
    /// As given in Keras's config.
    public let axis: Int
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// Channel counts of the latest training inputs, for splitting the gradient.
    private var savedInputShapes: [[Int]]?

    public init(name: String, axis: Int = -1) {
        self.name = name
        self.axis = axis
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "needs at least 2 inputs, got \(inputShapes.count)")
        }
        let rank = inputShapes[0].count
        guard rank >= 1 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "cannot concatenate scalars per sample")
        }
        // `rank` excludes the batch dimension, so the last axis is `rank` in Keras's numbering.
        guard axis == -1 || axis == rank else {
            throw EngineError.invalidConfiguration(layer: name,
                                                   reason: "only the last axis (-1 or \(rank)) is supported, got axis \(axis)")
        }
        let leading = Array(inputShapes[0].dropLast())
        for shape in inputShapes where shape.count != rank || Array(shape.dropLast()) != leading {
            throw EngineError.shapeMismatch(what: "inputs of Concatenate '\(name)' (all but the last axis)",
                                            expected: inputShapes[0], actual: shape)
        }
        return leading + [inputShapes.reduce(0) { $0 + $1[rank - 1] }]
    }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        let sampleShape = try outputShape(for: inputs.map { Array($0.shape.dropFirst()) })
        let batch = inputs[0].shape[0]
        guard inputs.allSatisfy({ $0.shape[0] == batch }) else {
            throw EngineError.shapeMismatch(what: "batch sizes of Concatenate '\(name)'", expected: inputs[0].shape,
                                            actual: inputs.first { $0.shape[0] != batch }!.shape)
        }
        let outputChannels = sampleShape[sampleShape.count - 1]
        var output = Tensor(zeros: [batch] + sampleShape)
        let rows = output.count / max(outputChannels, 1)
        var offset = 0
        output.withMutablePointer { y in
            for input in inputs {
                let channels = input.shape[input.rank - 1]
                input.withPointer { x in
                    concatenateChannelsForward(input: x, output: y, rows: rows, channels: channels,
                                               outputChannels: outputChannels, channelOffset: offset)
                }
                offset += channels
            }
        }
        savedInputShapes = training ? inputs.map(\.shape) : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradients: Bool) throws -> [Tensor] {
        guard let shapes = savedInputShapes else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradients else { return [] }
        let outputChannels = outputGradient.shape[outputGradient.rank - 1]
        let rows = outputGradient.count / max(outputChannels, 1)
        var offset = 0
        var gradients = [Tensor]()
        gradients.reserveCapacity(shapes.count)
        outputGradient.withPointer { dy in
            for shape in shapes {
                let channels = shape[shape.count - 1]
                var gradient = Tensor(zeros: shape)
                gradient.withMutablePointer { dx in
                    concatenateChannelsBackward(outputGradient: dy, inputGradient: dx, rows: rows, channels: channels,
                                                outputChannels: outputChannels, channelOffset: offset)
                }
                gradients.append(gradient)
                offset += channels
            }
        }
        return gradients
    }
}

/// Copies input (rows, channels) into columns channelOffset..<channelOffset+channels
/// of output (rows, outputChannels).
public func concatenateChannelsForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                       rows: Int, channels: Int, outputChannels: Int, channelOffset: Int) {
    for row in 0..<rows {
        (output + row * outputChannels + channelOffset).update(from: input + row * channels, count: channels)
    }
}

/// Writes inputGradient (rows, channels) = columns channelOffset..<channelOffset+channels
/// of outputGradient (rows, outputChannels).
public func concatenateChannelsBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                        rows: Int, channels: Int, outputChannels: Int, channelOffset: Int) {
    for row in 0..<rows {
        (inputGradient + row * channels).update(from: outputGradient + row * outputChannels + channelOffset, count: channels)
    }
}
