/// An 8-bit RGBA colour with straight alpha, as the canvas stores it.
public struct PlotColor: Sendable, Equatable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public var alpha: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `0xRRGGBB`, opaque.
    public init(hex: UInt32) {
        self.init(red: UInt8(truncatingIfNeeded: hex >> 16), green: UInt8(truncatingIfNeeded: hex >> 8),
                  blue: UInt8(truncatingIfNeeded: hex))
    }

    /// Components in [0, 1], clamped.
    init(unitRed red: Double, green: Double, blue: Double) {
        func byte(_ value: Double) -> UInt8 { UInt8((min(max(value, 0), 1) * 255).rounded()) }
        self.init(red: byte(red), green: byte(green), blue: byte(blue))
    }

    public static let white = PlotColor(hex: 0xFFFFFF)
    public static let black = PlotColor(hex: 0x000000)
    /// Near-black for text and axes: softer than pure black on white, still high contrast.
    public static let ink = PlotColor(hex: 0x222222)
    public static let grid = PlotColor(hex: 0xE3E3E3)
    public static let mutedText = PlotColor(hex: 0x555555)
    /// The two series colours, blue and orange, told apart by colour-blind readers too.
    public static let trainSeries = PlotColor(hex: 0x1F6FB4)
    public static let validationSeries = PlotColor(hex: 0xE8710A)

    /// Linear interpolation towards `other`: 0 gives self, 1 gives other.
    public func mixed(with other: PlotColor, _ fraction: Double) -> PlotColor {
        let t = min(max(fraction, 0), 1)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return PlotColor(red: mix(red, other.red), green: mix(green, other.green), blue: mix(blue, other.blue),
                         alpha: mix(alpha, other.alpha))
    }

    /// Relative luminance (Rec. 709 weights on the sRGB values), enough to choose between
    /// dark and light text on a coloured cell.
    var luminance: Double {
        (0.2126 * Double(red) + 0.7152 * Double(green) + 0.0722 * Double(blue)) / 255
    }

    public var description: String {
        "rgba(\(red), \(green), \(blue), \(alpha))"
    }
}
