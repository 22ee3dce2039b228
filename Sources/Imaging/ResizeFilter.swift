/// The interpolation kernels `Image.resized` offers, as defined by Pillow's `Image.BILINEAR`
/// and `Image.BICUBIC`, the filters Keras users' images usually went through.
public enum ResizeFilter: String, Sendable, Equatable, CaseIterable {
    /// The triangle (tent) kernel, support 1.
    case bilinear
    /// Keys' cubic convolution with a = −0.5 (Pillow's choice, and TensorFlow's `keys cubic`), support 2.
    case bicubic

    /// Half-width of the kernel in source pixels before any antialiasing stretch.
    var support: Double {
        switch self {
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// The kernel's value at distance `x` (in kernel units) from the sample centre.
    func weight(at x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }

    /// Bicubic weights go negative, so results can leave [0, 255]; Pillow clips them after each
    /// pass when it works on 8-bit images, and so do we (the triangle kernel cannot overshoot).
    var overshoots: Bool { self == .bicubic }

    /// Accepts the names users type: `bilinear`, `bicubic` (also `linear`, `cubic`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "bilinear", "linear", "triangle": self = .bilinear
        case "bicubic", "cubic": self = .bicubic
        default: return nil
        }
    }
}
