/// What a parameter is for: penalties (L2/L1) apply to weights only, and
/// moving statistics are never trained.
public enum ParameterRole: Sendable {
    case weight
    case bias
    case statistic
}

/// A named weight of a layer, in Keras's layout and with Keras's name
/// (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`, ...).
///
/// A reference type because the layer, the optimizer and the weight loader all
/// update the same storage in place.
public final class Parameter {
    public let name: String
    public let role: ParameterRole
    public var value: Tensor { didSet { version &+= 1 } }
    /// Changes whenever `value` does (assignment or in-place update), so layers can cache
    /// values derived from it (a convolution's Winograd-transformed kernel).
    public private(set) var version = 0
    /// Accumulated by `backward`; zeroed explicitly with `zeroGradient()`. Allocated on
    /// first write, so a network used only for inference holds no gradient memory.
    public var gradient: Tensor {
        get { gradientStorage ?? Tensor(zeros: value.shape) }
        set { gradientStorage = newValue }
        _modify {
            if gradientStorage == nil { gradientStorage = Tensor(zeros: value.shape) }
            yield &gradientStorage!
        }
    }
    private var gradientStorage: Tensor?
    private var trainable: Bool

    public init(name: String, value: Tensor, role: ParameterRole = .weight, isTrainable: Bool = true) {
        self.name = name
        self.role = role
        self.value = value
        self.trainable = role != .statistic && isTrainable
    }

    public var shape: [Int] { value.shape }

    public var isTrainable: Bool {
        get { trainable }
        set { trainable = role != .statistic && newValue }
    }

    public func zeroGradient() {
        gradientStorage?.zero()
    }

    /// Replaces the value, checking the shape (the loader's entry point).
    public func assign(_ newValue: Tensor) throws {
        guard newValue.shape == value.shape else {
            throw EngineError.shapeMismatch(what: name, expected: value.shape, actual: newValue.shape)
        }
        value = newValue
    }
}
