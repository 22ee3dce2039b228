/// Keras's `padding` argument for convolutions and pooling.
public enum Padding: String, Sendable, Codable {
    case valid
    case same
}

/// Output size and leading padding along one spatial axis.
public struct AxisGeometry: Equatable, Sendable {
    public var output: Int
    /// Padding before the first input element (top or left); the rest goes after.
    public var before: Int
    public var after: Int

    public init(output: Int, before: Int, after: Int) {
        self.output = output
        self.before = before
        self.after = after
    }

    /// TensorFlow's rule: for `same`, out = ceil(in / stride) and the total padding
    /// max((out − 1)·stride + effectiveKernel − in, 0) is split with the odd element
    /// at the bottom/right. `valid` uses no padding.
    public init(input: Int, kernel: Int, stride: Int, dilation: Int = 1, padding: Padding) {
        let effective = (kernel - 1) * dilation + 1
        switch padding {
        case .valid:
            output = input >= effective ? (input - effective) / stride + 1 : 0
            before = 0
            after = 0
        case .same:
            output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + effective - input, 0)
            before = total / 2
            after = total - before
        }
    }
}
