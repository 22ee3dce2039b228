import Foundation

/// Why a file could not become an `Image`, with the file it concerns.
public struct ImageError: LocalizedError, Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        /// The file system refused (missing file, a directory, no permission).
        case unreadable(String)
        case empty
        /// Neither a PNG nor a JPEG signature.
        case notAnImage
        /// The data ends before the image does; the detail is the decoder's message.
        case truncated(String)
        /// A critical PNG chunk failed its CRC check.
        case badCRC(String)
        /// Refused before decoding, as a decompression-bomb guard.
        case tooLarge(width: Int, height: Int, limit: Int)
        /// The decoder rejected the data; the detail is its message.
        case corrupt(String)
        case outOfMemory
    }

    /// The file path, or whatever name the caller gave in-memory data.
    public let path: String
    /// Known once the signature has been read.
    public let format: ImageFormat?
    public let reason: Reason

    public init(path: String, format: ImageFormat? = nil, reason: Reason) {
        self.path = path
        self.format = format
        self.reason = reason
    }

    public var errorDescription: String? { "\(path): \(reasonDescription)" }

    /// The reason alone, for reports that list the path separately.
    public var reasonDescription: String {
        let kind = format.map { "\($0.rawValue) " } ?? ""
        switch reason {
        case .unreadable(let detail):
            return "cannot read the file (\(detail))"
        case .empty:
            return "file is empty"
        case .notAnImage:
            return "not a PNG or JPEG image"
        case .truncated(let detail):
            return "truncated \(kind)file" + Self.parenthesized(detail)
        case .badCRC(let detail):
            return "corrupted \(kind)file: bad CRC" + Self.parenthesized(detail)
        case .tooLarge(let width, let height, let limit):
            return "image is \(width)×\(height) = \(Self.grouped(width * height)) pixels, over the limit of "
                + "\(Self.grouped(limit)); raise it with --max-pixels if the file is trusted"
        case .corrupt(let detail):
            return "corrupt \(kind)data" + Self.parenthesized(detail)
        case .outOfMemory:
            return "out of memory while decoding"
        }
    }

    private static func parenthesized(_ detail: String) -> String {
        detail.isEmpty ? "" : " (\(detail))"
    }

    /// Thousands separators without a locale, so messages do not depend on the machine.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}
