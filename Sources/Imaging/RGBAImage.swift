/// An 8-bit picture with straight (non-premultiplied) alpha, the form in which drawn images
/// such as plots are made and written: `height × width × 4` bytes, row-major, RGBA.
///
/// Separate from `Image`, whose float RGB values feed the network: drawing needs exact bytes
/// and transparency, decoding needs neither.
public struct RGBAImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `pixels[(y × width + x) × 4 + c]`, with c = 0, 1, 2, 3 for red, green, blue, alpha.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        precondition(pixels.count == width * height * 4,
                     "a \(width)×\(height) RGBA image needs \(width * height * 4) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image of one colour; components in 0...255.
    public init(width: Int, height: Int, red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        for offset in stride(from: 0, to: pixels.count, by: 4) {
            pixels[offset] = red
            pixels[offset + 1] = green
            pixels[offset + 2] = blue
            pixels[offset + 3] = alpha
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The `Image` values rounded to the nearest byte (clamped to 0...255), fully opaque.
    public init(_ image: Image) {
        var pixels = [UInt8](repeating: 255, count: image.width * image.height * 4)
        image.withUnsafeBufferPointer { values in
            for i in 0..<(image.width * image.height) {
                pixels[4 * i] = Self.byte(values[3 * i])
                pixels[4 * i + 1] = Self.byte(values[3 * i + 1])
                pixels[4 * i + 2] = Self.byte(values[3 * i + 2])
            }
        }
        self.init(width: image.width, height: image.height, pixels: pixels)
    }

    /// True when every alpha byte is 255, so the alpha channel carries nothing.
    public var isOpaque: Bool {
        stride(from: 3, to: pixels.count, by: 4).allSatisfy { pixels[$0] == 255 }
    }

    /// (red, green, blue, alpha) at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8) {
        get {
            let offset = (y * width + x) * 4
            return (pixels[offset], pixels[offset + 1], pixels[offset + 2], pixels[offset + 3])
        }
        set {
            let offset = (y * width + x) * 4
            pixels[offset] = newValue.red
            pixels[offset + 1] = newValue.green
            pixels[offset + 2] = newValue.blue
            pixels[offset + 3] = newValue.alpha
        }
    }

    /// Half-way values round up, like Pillow's float-to-byte conversion; NaN becomes 0.
    static func byte(_ value: Float) -> UInt8 {
        guard value > 0 else { return 0 }
        return value >= 255 ? 255 : UInt8(value + 0.5)
    }
}
