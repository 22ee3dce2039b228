/// The EXIF/TIFF orientation tag (0x0112): how the stored pixels must be turned to be seen
/// upright. Case names say where the stored first row and first column end up.
public enum ExifOrientation: Int, Sendable, Equatable, CaseIterable {
    case topLeft = 1      // as stored
    case topRight = 2     // mirrored left to right
    case bottomRight = 3  // rotated 180°
    case bottomLeft = 4   // mirrored top to bottom
    case leftTop = 5      // transposed (mirrored about the main diagonal)
    case rightTop = 6     // needs a 90° clockwise turn
    case rightBottom = 7  // transversed (mirrored about the anti-diagonal)
    case leftBottom = 8   // needs a 90° counter-clockwise turn

    /// Reads IFD0's orientation from a TIFF structure (a JPEG's APP1 Exif block after its
    /// "Exif\0\0" prefix, which is also accepted, or a PNG eXIf chunk). Returns nil when the
    /// tag is absent, out of range or the structure is malformed: such images are used as stored.
    public init?<Bytes: Collection>(exif bytes: Bytes) where Bytes.Element == UInt8 {
        var tiff = Array(bytes)
        let prefix: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
        if tiff.starts(with: prefix) { tiff.removeFirst(prefix.count) }
        guard let value = Self.orientationTag(in: tiff), let orientation = ExifOrientation(rawValue: value) else {
            return nil
        }
        self = orientation
    }

    private static func orientationTag(in tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): bigEndian = false  // "II"
        case (0x4D, 0x4D): bigEndian = true   // "MM"
        default: return nil
        }
        func uint16(at offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= tiff.count else { return nil }
            let a = Int(tiff[offset]), b = Int(tiff[offset + 1])
            return bigEndian ? a << 8 | b : b << 8 | a
        }
        func uint32(at offset: Int) -> Int? {
            guard let high = uint16(at: bigEndian ? offset : offset + 2),
                  let low = uint16(at: bigEndian ? offset + 2 : offset) else { return nil }
            return high << 16 | low
        }
        guard uint16(at: 2) == 42, let ifd = uint32(at: 4), let entries = uint16(at: ifd) else { return nil }
        for entry in 0..<entries {
            let offset = ifd + 2 + entry * 12
            guard offset + 12 <= tiff.count, let tag = uint16(at: offset), let type = uint16(at: offset + 2),
                  let count = uint32(at: offset + 4) else { return nil }
            guard tag == 0x0112, count >= 1 else { continue }
            // The value sits left-justified in the 4-byte field; writers use SHORT, a few LONG or BYTE.
            switch type {
            case 1: return Int(tiff[offset + 8])
            case 3: return uint16(at: offset + 8)
            case 4: return uint32(at: offset + 8)
            default: return nil
            }
        }
        return nil
    }
}

extension Image {
    /// The image as it should be seen when stored with `orientation`, the same pixels that
    /// PIL.ImageOps.exif_transpose produces.
    public func oriented(_ orientation: ExifOrientation) -> Image {
        if orientation == .topLeft { return self }
        let w = width, h = height
        let swapsAxes: Bool
        switch orientation {
        case .leftTop, .rightTop, .rightBottom, .leftBottom: swapsAxes = true
        default: swapsAxes = false
        }
        let outWidth = swapsAxes ? h : w
        let outHeight = swapsAxes ? w : h
        // Source coordinates of output pixel (x, y), as an affine map: sx = x0 + x·dxx + y·dxy, etc.
        let (x0, dxx, dxy, y0, dyx, dyy): (Int, Int, Int, Int, Int, Int)
        switch orientation {
        case .topLeft: (x0, dxx, dxy, y0, dyx, dyy) = (0, 1, 0, 0, 0, 1)
        case .topRight: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, -1, 0, 0, 0, 1)
        case .bottomRight: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, -1, 0, h - 1, 0, -1)
        case .bottomLeft: (x0, dxx, dxy, y0, dyx, dyy) = (0, 1, 0, h - 1, 0, -1)
        case .leftTop: (x0, dxx, dxy, y0, dyx, dyy) = (0, 0, 1, 0, 1, 0)
        case .rightTop: (x0, dxx, dxy, y0, dyx, dyy) = (0, 0, 1, h - 1, -1, 0)
        case .rightBottom: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, 0, -1, h - 1, -1, 0)
        case .leftBottom: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, 0, -1, 0, 1, 0)
        }
        return pixels.withUnsafeBufferPointer { source in
            Image(width: outWidth, height: outHeight) { out in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let sx = x0 + x * dxx + y * dxy
                        let sy = y0 + x * dyx + y * dyy
                        let from = (sy * w + sx) * 3, to = (y * outWidth + x) * 3
                        out[to] = source[from]
                        out[to + 1] = source[from + 1]
                        out[to + 2] = source[from + 2]
                    }
                }
            }
        }
    }
}
