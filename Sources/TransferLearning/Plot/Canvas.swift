import Foundation
import Imaging

/// A small RGBA raster to draw plots on: filled rectangles, anti-aliased lines and discs,
/// and bitmap text. Coordinates are pixels from the top-left corner; pixel (x, y) covers the
/// square from (x, y) to (x + 1, y + 1), so its centre is at (x + 0.5, y + 0.5). Drawing
/// outside the canvas is clipped, never an error.
public struct Canvas: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public enum HorizontalAlignment: Sendable { case left, center, right }
    public enum VerticalAlignment: Sendable { case top, center, bottom }

    public let width: Int
    public let height: Int
    /// RGBA, row-major, straight alpha.
    private var pixels: [UInt8]

    public init(width: Int, height: Int, background: PlotColor = .white) {
        precondition(width > 0 && height > 0, "a canvas needs a positive size, got \(width)×\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 4)
        fillRectangle(x: 0, y: 0, width: width, height: height, color: background)
    }

    /// The drawing, ready for `PNGEncoder`.
    public var image: RGBAImage {
        RGBAImage(width: width, height: height, pixels: pixels)
    }

    public func color(x: Int, y: Int) -> PlotColor {
        let offset = (y * width + x) * 4
        return PlotColor(red: pixels[offset], green: pixels[offset + 1], blue: pixels[offset + 2],
                         alpha: pixels[offset + 3])
    }

    /// Paints `color` over pixel (x, y) with `coverage` in [0, 1] (the fraction of the pixel
    /// the shape covers, times the colour's own alpha): "source over" compositing.
    public mutating func blend(x: Int, y: Int, color: PlotColor, coverage: Double = 1) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let a = min(max(coverage, 0), 1) * Double(color.alpha) / 255
        guard a > 0 else { return }
        let offset = (y * width + x) * 4
        let below = Double(pixels[offset + 3]) / 255
        let out = a + below * (1 - a)
        func channel(_ source: UInt8, _ destination: UInt8) -> UInt8 {
            let value = (Double(source) * a + Double(destination) * below * (1 - a)) / out
            return UInt8(min(max(value.rounded(), 0), 255))
        }
        pixels[offset] = channel(color.red, pixels[offset])
        pixels[offset + 1] = channel(color.green, pixels[offset + 1])
        pixels[offset + 2] = channel(color.blue, pixels[offset + 2])
        pixels[offset + 3] = UInt8((out * 255).rounded())
    }

    /// Replaces the pixels of the rectangle (clipped) with `color`; alpha below 255 blends.
    public mutating func fillRectangle(x: Int, y: Int, width: Int, height: Int, color: PlotColor) {
        let left = max(x, 0), right = min(x + width, self.width)
        let top = max(y, 0), bottom = min(y + height, self.height)
        guard left < right, top < bottom else { return }
        for row in top..<bottom {
            for column in left..<right {
                if color.alpha == 255 {
                    let offset = (row * self.width + column) * 4
                    pixels[offset] = color.red
                    pixels[offset + 1] = color.green
                    pixels[offset + 2] = color.blue
                    pixels[offset + 3] = 255
                } else {
                    blend(x: column, y: row, color: color)
                }
            }
        }
    }

    /// A rectangle outline `thickness` pixels wide, drawn inside the rectangle.
    public mutating func strokeRectangle(x: Int, y: Int, width: Int, height: Int, color: PlotColor,
                                         thickness: Int = 1) {
        fillRectangle(x: x, y: y, width: width, height: thickness, color: color)
        fillRectangle(x: x, y: y + height - thickness, width: width, height: thickness, color: color)
        fillRectangle(x: x, y: y, width: thickness, height: height, color: color)
        fillRectangle(x: x + width - thickness, y: y, width: thickness, height: height, color: color)
    }

    /// An anti-aliased segment with round caps. Each pixel near the segment is covered in
    /// proportion to how far its centre lies inside the stroke (distance to the segment
    /// against half the thickness, with a one-pixel soft edge), which keeps diagonal lines
    /// smooth at any thickness and joins polylines without gaps.
    public mutating func drawLine(from start: Point, to end: Point, color: PlotColor, thickness: Double = 1) {
        let radius = max(thickness, 0.5) / 2
        let left = Int((min(start.x, end.x) - radius - 1).rounded(.down))
        let right = Int((max(start.x, end.x) + radius + 1).rounded(.up))
        let top = Int((min(start.y, end.y) - radius - 1).rounded(.down))
        let bottom = Int((max(start.y, end.y) + radius + 1).rounded(.up))
        let dx = end.x - start.x, dy = end.y - start.y
        let lengthSquared = dx * dx + dy * dy
        for y in max(top, 0)..<max(min(bottom, height), max(top, 0)) {
            for x in max(left, 0)..<max(min(right, width), max(left, 0)) {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                // The nearest point of the segment, as a fraction t along it.
                let t = lengthSquared > 0 ? min(max(((px - start.x) * dx + (py - start.y) * dy) / lengthSquared, 0), 1) : 0
                let distance = hypot(px - (start.x + t * dx), py - (start.y + t * dy))
                blend(x: x, y: y, color: color, coverage: radius + 0.5 - distance)
            }
        }
    }

    /// A polyline; consecutive points are joined with `drawLine`.
    public mutating func drawPolyline(_ points: [Point], color: PlotColor, thickness: Double = 1) {
        guard points.count > 1 else { return }
        // One pass over the union of the segments would avoid double blending at the joins;
        // with opaque colours only the soft edge pixels darken slightly, which is invisible.
        for (start, end) in zip(points, points.dropFirst()) {
            drawLine(from: start, to: end, color: color, thickness: thickness)
        }
    }

    /// An anti-aliased filled disc.
    public mutating func fillCircle(center: Point, radius: Double, color: PlotColor) {
        drawLine(from: center, to: center, color: color, thickness: 2 * radius)
    }

    /// Draws `text` in the bitmap font, each font pixel a `scale` × `scale` square, aligned
    /// on (x, y). Vertical alignment uses the cap height, so "Ag" and "AG" sit alike;
    /// descenders hang below. `vertical` text reads bottom to top (rotated a quarter turn
    /// counter-clockwise), for y-axis titles; its alignment refers to the rotated box.
    /// `bold` doubles each stroke one pixel to the right (one pixel down for rotated text).
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 2, color: PlotColor = .ink,
                                  horizontal: HorizontalAlignment = .left, vertical: VerticalAlignment = .top,
                                  rotated: Bool = false, bold: Bool = false) {
        let characters = Array(BitmapFont.printable(text))
        let length = Canvas.textWidth(text, scale: scale)
        let capHeight = BitmapFont.capHeight * scale
        // The box's extent along the screen axes.
        let boxWidth = rotated ? capHeight : length
        let boxHeight = rotated ? length : capHeight
        let left: Int
        switch horizontal {
        case .left: left = x
        case .center: left = x - boxWidth / 2
        case .right: left = x - boxWidth
        }
        let top: Int
        switch vertical {
        case .top: top = y
        case .center: top = y - boxHeight / 2
        case .bottom: top = y - boxHeight
        }
        for (index, character) in characters.enumerated() {
            let rows = BitmapFont.rows(for: character)
            for (row, bits) in rows.enumerated() where bits != 0 {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    // Glyph coordinates along the text (u) and down from the cap line (v).
                    let u = (index * BitmapFont.advance + column) * scale
                    let v = row * scale
                    let extra = bold ? 1 : 0
                    if rotated {
                        // Reading upwards: u runs from the bottom of the box to the top, v from left to right.
                        fillRectangle(x: left + v, y: top + boxHeight - u - scale - extra, width: scale,
                                      height: scale + extra, color: color)
                    } else {
                        fillRectangle(x: left + u, y: top + v, width: scale + extra, height: scale, color: color)
                    }
                }
            }
        }
    }

    /// The width in pixels of `text` drawn at `scale`, without trailing spacing.
    public static func textWidth(_ text: String, scale: Int = 2) -> Int {
        let count = BitmapFont.printable(text).count
        return count == 0 ? 0 : (count * BitmapFont.advance - (BitmapFont.advance - BitmapFont.glyphWidth)) * scale
    }

    /// Cap height in pixels at `scale`.
    public static func textHeight(scale: Int = 2) -> Int {
        BitmapFont.capHeight * scale
    }

    /// `text` shortened with an ellipsis so that it is at most `maxWidth` pixels wide at `scale`.
    public static func truncated(_ text: String, toWidth maxWidth: Int, scale: Int = 2) -> String {
        let printable = BitmapFont.printable(text)
        guard textWidth(printable, scale: scale) > maxWidth else { return printable }
        var kept = printable
        while !kept.isEmpty && textWidth(kept + "\u{2026}", scale: scale) > maxWidth {
            kept.removeLast()
        }
        return kept.isEmpty ? "" : kept + "\u{2026}"
    }
}
