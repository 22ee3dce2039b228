/// The file formats `ImageDecoder` reads, recognised by their first bytes, never by the
/// file name: a text file called `x.png` is not an image.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case png = "PNG"
    case jpeg = "JPEG"

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    var signature: [UInt8] {
        switch self {
        case .png: return Self.pngSignature
        case .jpeg: return Self.jpegSignature
        }
    }

    enum Sniffed: Equatable {
        case format(ImageFormat)
        /// The bytes are a proper prefix of a signature: a file cut short, not a text file.
        case truncated(ImageFormat)
        case unknown
    }

    static func sniff<Bytes: Collection>(_ bytes: Bytes) -> Sniffed where Bytes.Element == UInt8 {
        for format in allCases {
            let signature = format.signature
            if bytes.starts(with: signature) { return .format(format) }
            if !bytes.isEmpty && bytes.count < signature.count && signature.starts(with: bytes) {
                return .truncated(format)
            }
        }
        return .unknown
    }
}
