import CImageShims
import Foundation

/// Writes 8-bit PNG files: plots drawn as `RGBAImage`s and overlays computed as `Image`s.
///
/// Encoding runs through a setjmp-guarded C shim (libpng reports errors by longjmp), so a
/// failure becomes a thrown error. Stateless: safe to call from several threads at once.
public enum PNGEncoder {
    /// A PNG of `image`: RGB when every pixel is opaque (a quarter fewer bytes to compress),
    /// RGBA otherwise.
    public static func encode(_ image: RGBAImage) throws -> Data {
        if image.isOpaque {
            var rgb = [UInt8](repeating: 0, count: image.width * image.height * 3)
            for i in 0..<(image.width * image.height) {
                rgb[3 * i] = image.pixels[4 * i]
                rgb[3 * i + 1] = image.pixels[4 * i + 1]
                rgb[3 * i + 2] = image.pixels[4 * i + 2]
            }
            return try encode(rgb, width: image.width, height: image.height, channels: 3)
        }
        return try encode(image.pixels, width: image.width, height: image.height, channels: 4)
    }

    /// An RGB PNG of `image`, its values rounded to the nearest byte and clamped to 0...255.
    /// Whole-valued images (anything decoded from an 8-bit file) round-trip exactly.
    public static func encode(_ image: Image) throws -> Data {
        var rgb = [UInt8](repeating: 0, count: image.pixels.count)
        image.withUnsafeBufferPointer { values in
            for i in 0..<values.count { rgb[i] = RGBAImage.byte(values[i]) }
        }
        return try encode(rgb, width: image.width, height: image.height, channels: 3)
    }

    /// Encodes `image` and writes it to `url` through a temporary file in the same folder,
    /// renamed into place when complete, so no half-written PNG is ever left at `url`.
    public static func write(_ image: RGBAImage, to url: URL) throws {
        try AtomicFile.write(encoded(url) { try encode(image) }, to: url)
    }

    /// As `write(_:to:)` for an `RGBAImage`, through `encode(_:)` for an `Image`.
    public static func write(_ image: Image, to url: URL) throws {
        try AtomicFile.write(encoded(url) { try encode(image) }, to: url)
    }

    /// Encoding errors carry no path; a failed write should still name its destination.
    private static func encoded(_ url: URL, _ body: () throws -> Data) throws -> Data {
        do {
            return try body()
        } catch let error as PNGEncodingError {
            throw FileWriteError(path: url.path, reason: error.message)
        }
    }

    private static func encode(_ bytes: [UInt8], width: Int, height: Int, channels: Int) throws -> Data {
        guard width > 0, height > 0, width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw PNGEncodingError(message: "cannot encode a \(width)×\(height) image as PNG")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = bytes.withUnsafeBufferPointer { pixels in
            message.withUnsafeMutableBufferPointer { text in
                tl_png_encode(pixels.baseAddress, pixels.count, UInt32(width), UInt32(height), Int32(channels),
                              &output, &size, text.baseAddress, text.count)
            }
        }
        defer { tl_buffer_free(output) }
        guard status == Int32(TL_IMAGE_OK.rawValue), let output else {
            let detail = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw PNGEncodingError(message: "PNG encoding failed (\(detail.isEmpty ? "status \(status)" : detail))")
        }
        return Data(bytes: output, count: size)
    }
}

/// libpng refused to encode; the message is the shim's or libpng's.
public struct PNGEncodingError: LocalizedError, Equatable, Sendable {
    public let message: String
    public var errorDescription: String? { message }
}
