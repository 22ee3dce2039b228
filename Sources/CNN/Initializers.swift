import Foundation

/// Keras's weight initializers (keras-team/keras `keras/src/initializers/`), drawn from a
/// `SeededGenerator` so a new head is reproducible from `--seed`.
///
/// The random ones are all Keras's `VarianceScaling` (`random_initializers.py`):
/// with n = fan_in, fan_out or their mean (each at least 1), a "truncated_normal" draws
/// from a normal of stddev √(scale/n) / 0.87962566103423978 redrawn outside ±2 stddev
/// (the constant is the stddev of a unit normal truncated at ±2, so the result has
/// stddev √(scale/n)), and "uniform" draws from [−limit, limit] with limit = √(3·scale/n).
/// He normal/uniform are scale 2 on fan_in; Glorot normal/uniform are scale 1 on the mean fan.
public enum Initializer: Equatable, Sendable {
    case zeros
    case ones
    case constant(Float)
    case varianceScaling(scale: Float, mode: FanMode, distribution: Distribution)

    public enum FanMode: String, Sendable {
        case fanIn = "fan_in"
        case fanOut = "fan_out"
        case fanAverage = "fan_avg"
    }

    public enum Distribution: String, Sendable {
        case truncatedNormal = "truncated_normal"
        case untruncatedNormal = "untruncated_normal"
        case uniform
    }

    /// Keras `he_normal`: truncated normal, stddev √(2 / fan_in).
    public static let heNormal = Initializer.varianceScaling(scale: 2, mode: .fanIn, distribution: .truncatedNormal)
    /// Keras `he_uniform`: uniform in ±√(6 / fan_in).
    public static let heUniform = Initializer.varianceScaling(scale: 2, mode: .fanIn, distribution: .uniform)
    /// Keras `glorot_normal`: truncated normal, stddev √(2 / (fan_in + fan_out)).
    public static let glorotNormal = Initializer.varianceScaling(scale: 1, mode: .fanAverage, distribution: .truncatedNormal)
    /// Keras `glorot_uniform` (Dense's and Conv2D's default kernel initializer): uniform in ±√(6 / (fan_in + fan_out)).
    public static let glorotUniform = Initializer.varianceScaling(scale: 1, mode: .fanAverage, distribution: .uniform)

    /// Keras's string identifiers, as found in a layer config's `kernel_initializer`.
    public init?(kerasName: String) {
        switch kerasName {
        case "zeros", "Zeros": self = .zeros
        case "ones", "Ones": self = .ones
        case "he_normal", "HeNormal": self = .heNormal
        case "he_uniform", "HeUniform": self = .heUniform
        case "glorot_normal", "GlorotNormal": self = .glorotNormal
        case "glorot_uniform", "GlorotUniform": self = .glorotUniform
        default: return nil
        }
    }

    /// The stddev of a unit normal truncated to ±2, Keras's correction constant.
    public static let truncatedNormalCorrection = 0.87962566103423978

    /// A tensor of `shape` drawn with `generator`.
    public func tensor(shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        switch self {
        case .zeros:
            return Tensor(zeros: shape)
        case .ones:
            return Tensor(repeating: 1, shape: shape)
        case let .constant(value):
            return Tensor(repeating: value, shape: shape)
        case let .varianceScaling(scale, mode, distribution):
            let (fanIn, fanOut) = kerasFans(of: shape)
            let n: Double
            switch mode {
            case .fanIn: n = max(1, Double(fanIn))
            case .fanOut: n = max(1, Double(fanOut))
            case .fanAverage: n = max(1, Double(fanIn + fanOut) / 2)
            }
            let variance = Double(scale) / n
            let count = shape.reduce(1, *)
            var scalars = [Float](repeating: 0, count: count)
            switch distribution {
            case .truncatedNormal:
                let stddev = Float(variance.squareRoot() / Initializer.truncatedNormalCorrection)
                for i in 0..<count { scalars[i] = stddev * generator.nextTruncatedNormal() }
            case .untruncatedNormal:
                let stddev = Float(variance.squareRoot())
                for i in 0..<count { scalars[i] = stddev * generator.nextNormal() }
            case .uniform:
                let limit = Float((3 * variance).squareRoot())
                for i in 0..<count { scalars[i] = limit * (2 * generator.nextUniform() - 1) }
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }
}

/// Keras's `compute_fans`: a vector (n) has fan_in = fan_out = n; a Dense kernel (in, out)
/// has (in, out); a convolution kernel (..., in, out), e.g. Conv2D's (KH, KW, I, O), has
/// receptive field r = KH·KW and (r·I, r·O). DepthwiseConv2D's (KH, KW, C, M) follows the
/// same rule, as it does in Keras.
public func kerasFans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    switch shape.count {
    case 0:
        return (1, 1)
    case 1:
        return (shape[0], shape[0])
    case 2:
        return (shape[0], shape[1])
    default:
        let receptive = shape.dropLast(2).reduce(1, *)
        return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
    }
}

extension SeededGenerator {
    /// A unit normal redrawn until it falls within ±2, as Keras's `truncated_normal`
    /// (values beyond two standard deviations are discarded and re-drawn).
    public mutating func nextTruncatedNormal() -> Float {
        while true {
            let value = nextNormal()
            if abs(value) <= 2 { return value }
        }
    }
}
