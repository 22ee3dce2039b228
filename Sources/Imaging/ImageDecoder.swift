import CImageShims
import Foundation

/// Decodes PNG and JPEG files into RGB `Image`s that match what Keras users get from
/// `PIL.Image.open(path).convert("RGB")` after `ImageOps.exif_transpose`, except that
/// 16-bit PNG samples keep their precision instead of being cut to 8 bits.
///
/// A value type holding only options: decoding keeps all state on the calling thread, so one
/// decoder may be used from many threads at once.
public struct ImageDecoder: Sendable {
    public enum AlphaHandling: Sendable, Equatable {
        /// Ignore transparency, keeping the stored colour (Pillow's `convert("RGB")`).
        case drop
        /// Blend over an opaque background: `colour × a + background × (1 − a)`, a in [0, 1].
        case composite(over: RGBColor)
    }

    public struct Options: Sendable, Equatable {
        /// Pillow's hard limit (twice `Image.MAX_IMAGE_PIXELS`, where it raises
        /// `DecompressionBombError`), so that every file a Keras pipeline opens opens here too.
        /// At this size one decoded image takes about 2 GB as floats.
        public static let defaultMaxPixels = 178_956_970

        /// Images with more pixels are refused after reading the header, before allocating.
        public var maxPixels: Int
        public var alpha: AlphaHandling
        /// Turn pictures upright according to their EXIF orientation, as exif_transpose does.
        public var appliesExifOrientation: Bool

        public init(maxPixels: Int = Options.defaultMaxPixels, alpha: AlphaHandling = .drop,
                    appliesExifOrientation: Bool = true) {
            self.maxPixels = maxPixels
            self.alpha = alpha
            self.appliesExifOrientation = appliesExifOrientation
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func decode(contentsOf url: URL) throws -> Image {
        let data: Data
        do {
            data = try contentsOfFile(atPath: url.path)
        } catch {
            throw ImageError(path: url.path, reason: .unreadable((error as? FileReadError)?.reason ?? "\(error)"))
        }
        return try decode(data, path: url.path)
    }

    /// Decodes bytes already in memory; `path` only names them in errors.
    public func decode(_ data: Data, path: String) throws -> Image {
        if data.isEmpty { throw ImageError(path: path, reason: .empty) }
        let format: ImageFormat
        switch ImageFormat.sniff(data.prefix(8)) {
        case .format(let sniffed): format = sniffed
        case .truncated(let sniffed):
            throw ImageError(path: path, format: sniffed, reason: .truncated("only \(data.count) bytes"))
        case .unknown: throw ImageError(path: path, reason: .notAnImage)
        }

        var raw = tl_image()
        defer { tl_image_free(&raw) }
        var message = [CChar](repeating: 0, count: 512)
        let limit = max(options.maxPixels, 0)
        let status: Int32 = data.withUnsafeBytes { bytes in
            message.withUnsafeMutableBufferPointer { text in
                let base = bytes.bindMemory(to: UInt8.self).baseAddress
                switch format {
                case .png: return tl_png_decode(base, bytes.count, limit, &raw, text.baseAddress, text.count)
                case .jpeg: return tl_jpeg_decode(base, bytes.count, limit, &raw, text.baseAddress, text.count)
                }
            }
        }
        if status != Int32(TL_IMAGE_OK.rawValue) {
            let detail = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageError(path: path, format: format,
                             reason: Self.reason(status: status, detail: detail, raw: raw, limit: limit))
        }

        var image = makeImage(from: raw, alpha: options.alpha)
        if options.appliesExifOrientation, raw.exif != nil, raw.exif_size > 0,
           let orientation = ExifOrientation(exif: UnsafeBufferPointer(start: raw.exif, count: raw.exif_size)) {
            image = image.oriented(orientation)
        }
        return image
    }

    private static func reason(status: Int32, detail: String, raw: tl_image, limit: Int) -> ImageError.Reason {
        switch UInt32(bitPattern: status) {
        case TL_IMAGE_TRUNCATED.rawValue: return .truncated(detail)
        case TL_IMAGE_BAD_CRC.rawValue: return .badCRC(detail)
        case TL_IMAGE_TOO_LARGE.rawValue:
            return .tooLarge(width: Int(raw.width), height: Int(raw.height), limit: limit)
        case TL_IMAGE_OUT_OF_MEMORY.rawValue: return .outOfMemory
        default: return .corrupt(detail)
        }
    }
}
