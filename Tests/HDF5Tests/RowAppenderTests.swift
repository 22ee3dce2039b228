import Foundation
import HDF5
import XCTest

final class RowAppenderTests: TemporaryDirectoryTestCase {
    /// Rows appended in batches of different sizes (one of them empty, one spanning several
    /// chunks) read back as one (rows × columns) float32 dataset, in order.
    func testAppendedRowsReadBackInOrder() throws {
        let filePath = path("rows.h5")
        let columns = 5
        let batches = [3, 0, 1, 150, 7]
        var expected = [Float]()
        do {
            let file = try File(creating: filePath)
            let appender = try file.createRowAppender(at: "nested/features", columns: columns, chunkRows: 16)
            for rows in batches {
                let values = (0..<(rows * columns)).map { Float(expected.count + $0) * 0.5 }
                try values.withUnsafeBufferPointer { try appender.append($0) }
                expected += values
            }
            XCTAssertEqual(appender.rows, batches.reduce(0, +))
            let bad = [Float](repeating: 0, count: columns + 1)
            expectHDF5Error(try bad.withUnsafeBufferPointer { try appender.append($0) })
            expectHDF5Error(try file.createRowAppender(at: "nested/features", columns: columns))
        }
        let dataset = try File(opening: filePath).dataset(at: "nested/features")
        XCTAssertEqual(dataset.shape, [batches.reduce(0, +), columns])
        XCTAssertEqual(dataset.elementType, .float(bits: 32))
        XCTAssertEqual(try dataset.readFloats(), expected)
    }
}
