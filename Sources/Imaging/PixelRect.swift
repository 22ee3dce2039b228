/// A rectangle in pixel-edge coordinates: x = 0 is the left edge of the first column and
/// x = width the right edge of the last. Fractional values are allowed, as in Pillow's `box`.
public struct PixelRect: Sendable, Equatable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.init(x: Double(x), y: Double(y), width: Double(width), height: Double(height))
    }

    public var description: String { "(\(x), \(y), \(width)×\(height))" }
}
