import Foundation

/// An opaque colour with components in [0, 255], the scale of `Image` values.
public struct RGBColor: Sendable, Equatable, CustomStringConvertible {
    public var red: Float
    public var green: Float
    public var blue: Float

    public init(red: Float, green: Float, blue: Float) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let black = RGBColor(red: 0, green: 0, blue: 0)
    public static let white = RGBColor(red: 255, green: 255, blue: 255)

    /// Parses what a user types after an option such as `--background`: `white`, `black`,
    /// `#rrggbb`, or `r,g,b` with integers in 0...255.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch text {
        case "white": self = .white; return
        case "black": self = .black; return
        default: break
        }
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.count == 6, let value = UInt32(hex, radix: 16) else { return nil }
            self.init(red: Float((value >> 16) & 0xFF), green: Float((value >> 8) & 0xFF), blue: Float(value & 0xFF))
            return
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let r = parts[0], let g = parts[1], let b = parts[2],
              [r, g, b].allSatisfy({ (0...255).contains($0) }) else { return nil }
        self.init(red: Float(r), green: Float(g), blue: Float(b))
    }

    public var description: String {
        func component(_ value: Float) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
        return "\(component(red)),\(component(green)),\(component(blue))"
    }
}
