import Foundation
import HDF5
import XCTest

final class DatasetRoundTripTests: TemporaryDirectoryTestCase {
    /// Every numeric type at ranks 0 through 4, written, closed, reopened and read back exactly.
    func testNumericDatasetsOfEveryTypeAndRank() throws {
        let shapes: [[Int]] = [[], [5], [2, 3], [2, 1, 3], [1, 2, 2, 3]]
        let filePath = path("numbers.h5")
        do {
            let file = try File(creating: filePath)
            for shape in shapes {
                let count = shape.reduce(1, *)
                let rank = shape.count
                try file.createDataset(at: "f32_\(rank)", values: (0..<count).map { Float($0) * 0.25 - 1 }, shape: shape)
                try file.createDataset(at: "f64_\(rank)", values: (0..<count).map { Double($0) / 3 }, shape: shape)
                try file.createDataset(at: "i32_\(rank)", values: (0..<count).map { Int32($0) - 4 }, shape: shape)
                try file.createDataset(at: "i64_\(rank)", values: (0..<count).map { Int64($0) << 40 }, shape: shape)
                try file.createDataset(at: "int_\(rank)", values: (0..<count).map { -$0 }, shape: shape)
            }
        }
        let file = try File(opening: filePath)
        for shape in shapes {
            let count = shape.reduce(1, *)
            let rank = shape.count
            let f32 = try file.dataset(at: "f32_\(rank)")
            XCTAssertEqual(f32.shape, shape)
            XCTAssertEqual(f32.elementType, .float(bits: 32))
            XCTAssertEqual(f32.elementCount, count)
            XCTAssertEqual(try f32.readFloats(), (0..<count).map { Float($0) * 0.25 - 1 })

            let f64 = try file.dataset(at: "f64_\(rank)")
            XCTAssertEqual(f64.elementType, .float(bits: 64))
            XCTAssertEqual(f64.shape, shape)
            XCTAssertEqual(try f64.readDoubles(), (0..<count).map { Double($0) / 3 })

            let i32 = try file.dataset(at: "i32_\(rank)")
            XCTAssertEqual(i32.elementType, .integer(bits: 32, signed: true))
            XCTAssertEqual(try i32.readInt32s(), (0..<count).map { Int32($0) - 4 })

            let i64 = try file.dataset(at: "i64_\(rank)")
            XCTAssertEqual(i64.elementType, .integer(bits: 64, signed: true))
            XCTAssertEqual(try i64.readInt64s(), (0..<count).map { Int64($0) << 40 })

            let int = try file.dataset(at: "int_\(rank)")
            XCTAssertEqual(int.elementType, .integer(bits: 64, signed: true))
            XCTAssertEqual(try int.readInts(), (0..<count).map { -$0 })
        }
    }

    func testReadingConvertsThroughTheNativeType() throws {
        let filePath = path("convert.h5")
        do {
            let file = try File(creating: filePath)
            try file.createDataset(at: "doubles", values: [0.5, -1.25, 3], shape: [3])
            try file.createDataset(at: "ints", values: [Int32(-2), 0, 7], shape: [3])
        }
        let file = try File(opening: filePath)
        XCTAssertEqual(try file.dataset(at: "doubles").readFloats(), [0.5, -1.25, 3])
        XCTAssertEqual(try file.dataset(at: "ints").readFloats(), [-2, 0, 7])
        XCTAssertEqual(try file.dataset(at: "ints").readDoubles(), [-2, 0, 7])
        XCTAssertEqual(try file.dataset(at: "ints").readInt64s(), [-2, 0, 7])
    }

    func testReadIntoBufferChecksTheCount() throws {
        let file = try File(creating: path("buffer.h5"))
        let dataset = try file.createDataset(at: "w", values: [Float](repeating: 1.5, count: 6), shape: [2, 3])
        var storage = [Float](repeating: 0, count: 6)
        try storage.withUnsafeMutableBufferPointer { try dataset.read(into: $0) }
        XCTAssertEqual(storage, [Float](repeating: 1.5, count: 6))
        var tooSmall = [Float](repeating: 0, count: 5)
        let error = expectHDF5Error(try tooSmall.withUnsafeMutableBufferPointer { try dataset.read(into: $0) })
        XCTAssertEqual(error?.kind, .countMismatch(expected: 5, actual: 6))
    }

    func testEmptyDatasets() throws {
        let filePath = path("empty.h5")
        do {
            let file = try File(creating: filePath)
            try file.createDataset(at: "none", values: [Float](), shape: [0, 4])
            try file.createDataset(at: "no_strings", strings: [])
        }
        let file = try File(opening: filePath)
        XCTAssertEqual(try file.dataset(at: "none").shape, [0, 4])
        XCTAssertEqual(try file.dataset(at: "none").readFloats(), [])
        XCTAssertEqual(try file.dataset(at: "no_strings").readStrings(), [])
    }

    func testStringDatasetsFixedAndVariableLength() throws {
        let strings = ["conv1", "", "bn_conv1", "naïve ☃", "x"]
        let filePath = path("strings.h5")
        do {
            let file = try File(creating: filePath)
            try file.createDataset(at: "fixed", strings: strings)
            try file.createDataset(at: "variable", strings: strings, storage: .variableLength)
            try file.createDataset(at: "grid", strings: ["a", "bb", "ccc", "dddd"], shape: [2, 2])
        }
        let file = try File(opening: filePath)
        let fixed = try file.dataset(at: "fixed")
        XCTAssertEqual(fixed.elementType, .fixedLengthString(bytes: "naïve ☃".utf8.count))
        XCTAssertEqual(try fixed.readStrings(), strings)
        let variable = try file.dataset(at: "variable")
        XCTAssertEqual(variable.elementType, .variableLengthString)
        XCTAssertEqual(try variable.readStrings(), strings)
        let grid = try file.dataset(at: "grid")
        XCTAssertEqual(grid.shape, [2, 2])
        XCTAssertEqual(try grid.readStrings(), ["a", "bb", "ccc", "dddd"])
    }

    func testOpenReadWriteAddsToAnExistingFile() throws {
        let filePath = path("update.h5")
        do {
            let file = try File(creating: filePath)
            try file.createDataset(at: "a", values: [Float(1)], shape: [1])
        }
        do {
            let file = try File(opening: filePath, mode: .readWrite)
            try file.createDataset(at: "b", values: [Float(2)], shape: [1])
            try file.setAttribute(named: "note", to: "added later")
            try file.flush()
        }
        let file = try File(opening: filePath)
        XCTAssertEqual(file.path, filePath)
        XCTAssertEqual(try file.memberNames(), ["a", "b"])
        XCTAssertEqual(try file.stringAttribute(named: "note"), "added later")
    }

    func testCreateTruncatesAnExistingFile() throws {
        let filePath = path("truncate.h5")
        do {
            let file = try File(creating: filePath)
            try file.createDataset(at: "old", values: [Float(1)], shape: [1])
        }
        do { _ = try File(creating: filePath) }
        XCTAssertEqual(try File(opening: filePath).memberNames(), [])
    }

    /// Many threads reading the same file at once: libhdf5 is serial, so this only works if
    /// every call really goes through the lock.
    func testConcurrentReadsAreSerialized() throws {
        let filePath = path("shared.h5")
        do {
            let file = try File(creating: filePath)
            for index in 0..<8 {
                try file.createDataset(at: "group\(index)/values", values: (0..<100).map { Float($0 + index) },
                                       shape: [10, 10])
                try file.group(at: "group\(index)").setAttribute(named: "index", to: index)
            }
        }
        let file = try File(opening: filePath)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 64) { iteration in
            let index = iteration % 8
            do {
                let group = try file.group(at: "group\(index)")
                let values = try group.dataset(at: "values").readFloats()
                if values != (0..<100).map({ Float($0 + index) }) { failures.add("values of group\(index)") }
                if try group.intAttribute(named: "index") != index { failures.add("index of group\(index)") }
            } catch {
                failures.add("\(error)")
            }
        }
        XCTAssertEqual(failures.messages, [])
    }
}

/// Collects failures from concurrent work, to be asserted on the test's thread.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []

    func add(_ message: String) {
        lock.lock()
        list.append(message)
        lock.unlock()
    }

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}
