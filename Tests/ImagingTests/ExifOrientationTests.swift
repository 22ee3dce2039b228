@testable import Imaging
import XCTest

final class ExifOrientationTests: XCTestCase {
    private func tiff(orientation: Int, bigEndian: Bool, type: UInt16 = 3, extraEntries: Int = 0) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] {
            bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16))
        }
        var bytes: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        bytes += u16(42) + u32(8) + u16(UInt16(1 + extraEntries))
        for tag in 0..<extraEntries {  // tags before 0x0112, e.g. ImageWidth
            bytes += u16(UInt16(0x0100 + tag)) + u16(3) + u32(1) + u16(640) + u16(0)
        }
        let value: [UInt8] = type == 4 ? u32(UInt32(orientation)) : type == 1 ? [UInt8(orientation), 0, 0, 0]
            : u16(UInt16(orientation)) + u16(0)
        bytes += u16(0x0112) + u16(type) + u32(1) + value + u32(0)
        return bytes
    }

    func testReadsBothByteOrdersAndValueTypes() {
        for orientation in 1...8 {
            for bigEndian in [false, true] {
                for type: UInt16 in [1, 3, 4] {
                    XCTAssertEqual(ExifOrientation(exif: tiff(orientation: orientation, bigEndian: bigEndian, type: type,
                                                              extraEntries: 2))?.rawValue,
                                   orientation, "orientation \(orientation), big-endian \(bigEndian), type \(type)")
                }
            }
        }
    }

    func testAcceptsTheJPEGPrefix() {
        let block = Array("Exif\0\0".utf8) + tiff(orientation: 6, bigEndian: false)
        XCTAssertEqual(ExifOrientation(exif: block), .rightTop)
    }

    func testMalformedDataMeansNoOrientation() {
        let good = tiff(orientation: 6, bigEndian: true)
        XCTAssertNil(ExifOrientation(exif: tiff(orientation: 0, bigEndian: true)))
        XCTAssertNil(ExifOrientation(exif: tiff(orientation: 9, bigEndian: false)))
        XCTAssertNil(ExifOrientation(exif: [UInt8]()))
        XCTAssertNil(ExifOrientation(exif: Array(good.prefix(20))), "cut inside the entry")
        var badMagic = good
        badMagic[3] = 43
        XCTAssertNil(ExifOrientation(exif: badMagic))
        var farOffset = good
        farOffset[4...7] = [0x7F, 0xFF, 0xFF, 0xFF]
        XCTAssertNil(ExifOrientation(exif: farOffset), "IFD offset past the end")
        var manyEntries = good
        manyEntries[8...9] = [0xFF, 0xFF]
        XCTAssertEqual(ExifOrientation(exif: manyEntries), .rightTop, "the tag comes before the bogus entries")
        for length in 0..<good.count {
            _ = ExifOrientation(exif: good.prefix(length))  // must not trap
        }
    }

    /// A 3×2 image with distinct values, turned by hand: orientation 6 turns it 90° clockwise.
    func testOrientationMaps() {
        // Stored rows: [a b c] / [d e f], one value per pixel in all three channels.
        let stored = Image(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6].flatMap { [$0, $0, $0] })
        let expected: [ExifOrientation: (Int, [Float])] = [
            .topLeft: (3, [1, 2, 3, 4, 5, 6]),
            .topRight: (3, [3, 2, 1, 6, 5, 4]),
            .bottomRight: (3, [6, 5, 4, 3, 2, 1]),
            .bottomLeft: (3, [4, 5, 6, 1, 2, 3]),
            .leftTop: (2, [1, 4, 2, 5, 3, 6]),
            .rightTop: (2, [4, 1, 5, 2, 6, 3]),
            .rightBottom: (2, [6, 3, 5, 2, 4, 1]),
            .leftBottom: (2, [3, 6, 2, 5, 1, 4]),
        ]
        for (orientation, (width, values)) in expected {
            let turned = stored.oriented(orientation)
            XCTAssertEqual(turned.width, width, "\(orientation)")
            XCTAssertEqual(turned.pixels, values.flatMap { [$0, $0, $0] }, "\(orientation)")
        }
    }
}
