/// Colour maps from [0, 1] to colours.
public enum ColorMap: Sendable {
    /// Perceptually uniform and readable in grey scale and by colour-blind readers: dark
    /// purple for 0, through blue and green, to yellow for 1. Nine anchors of the published
    /// viridis map, linearly interpolated.
    case viridis
    /// The classic "jet" rainbow (blue → cyan → yellow → red) that Grad-CAM figures use, so
    /// overlays look as readers expect: red marks the regions that drove the prediction.
    case jet

    private static let viridisAnchors: [PlotColor] = [
        0x440154, 0x472C7A, 0x3B518B, 0x2C718E, 0x21908D, 0x27AD81, 0x5CC863, 0xAADC32, 0xFDE725,
    ].map(PlotColor.init(hex:))

    /// NaN maps like 0.
    public func color(at value: Double) -> PlotColor {
        let t = value.isNaN ? 0 : min(max(value, 0), 1)
        switch self {
        case .viridis:
            let position = t * Double(Self.viridisAnchors.count - 1)
            let lower = min(Int(position), Self.viridisAnchors.count - 2)
            return Self.viridisAnchors[lower].mixed(with: Self.viridisAnchors[lower + 1], position - Double(lower))
        case .jet:
            // Each component is a trapezoid: rising, flat at 1, falling, a quarter of the range apart.
            func ramp(_ center: Double) -> Double { min(max(1.5 - abs(4 * t - center), 0), 1) }
            return PlotColor(unitRed: ramp(3), green: ramp(2), blue: ramp(1))
        }
    }
}
