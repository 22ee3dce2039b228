import HDF5
import XCTest

final class AttributeTests: TemporaryDirectoryTestCase {
    /// Every kind of attribute on each kind of owner (file root, group, dataset), read back after reopening.
    func testAttributesOfEveryKindOnFilesGroupsAndDatasets() throws {
        let filePath = path("attributes.h5")
        do {
            let file = try File(creating: filePath)
            let group = try file.createGroup(at: "g")
            let dataset = try group.createDataset(at: "d", values: [Float(0)], shape: [1])
            for owner in [file, group, dataset] as [Object] {
                try owner.setAttribute(named: "version", to: "2.15.0")
                try owner.setAttribute(named: "unicode", to: "naïve ☃ {\"json\": [1, 2]}")
                try owner.setAttribute(named: "empty_string", to: "")
                try owner.setAttribute(named: "names", to: ["conv1", "bn_conv1", ""])
                try owner.setAttribute(named: "vlen_names", to: ["a", "βb"], storage: .variableLength)
                try owner.setAttribute(named: "no_names", to: [String]())
                try owner.setAttribute(named: "rate", to: 0.125)
                try owner.setAttribute(named: "rate32", to: Float(1.5))
                try owner.setAttribute(named: "epochs", to: 12)
                try owner.setAttribute(named: "count32", to: Int32(-3))
                try owner.setAttribute(named: "count64", to: Int64(1) << 50)
                try owner.setAttribute(named: "doubles", to: [0.5, -1.0, 1e-300])
                try owner.setAttribute(named: "floats", to: [Float(0.25), 8])
                try owner.setAttribute(named: "ints", to: [1, -2, 3])
                try owner.setAttribute(named: "int32s", to: [Int32(4), 5])
                try owner.setAttribute(named: "int64s", to: [Int64.min, Int64.max])
            }
        }
        let file = try File(opening: filePath)
        let group = try file.group(at: "g")
        let dataset = try group.dataset(at: "d")
        for owner in [file, group, dataset] as [Object] {
            XCTAssertEqual(try owner.attributeNames(), [
                "count32", "count64", "doubles", "empty_string", "epochs", "floats", "int32s", "int64s", "ints",
                "names", "no_names", "rate", "rate32", "unicode", "version", "vlen_names",
            ])
            XCTAssertEqual(try owner.attributeType(named: "version"), .variableLengthString)
            XCTAssertEqual(try owner.attributeShape(named: "version"), [])
            XCTAssertEqual(try owner.stringAttribute(named: "version"), "2.15.0")
            XCTAssertEqual(try owner.stringAttribute(named: "unicode"), "naïve ☃ {\"json\": [1, 2]}")
            XCTAssertEqual(try owner.stringAttribute(named: "empty_string"), "")
            XCTAssertEqual(try owner.attributeType(named: "names"), .fixedLengthString(bytes: 8))
            XCTAssertEqual(try owner.attributeShape(named: "names"), [3])
            XCTAssertEqual(try owner.stringArrayAttribute(named: "names"), ["conv1", "bn_conv1", ""])
            XCTAssertEqual(try owner.attributeType(named: "vlen_names"), .variableLengthString)
            XCTAssertEqual(try owner.stringArrayAttribute(named: "vlen_names"), ["a", "βb"])
            XCTAssertEqual(try owner.stringArrayAttribute(named: "no_names"), [])
            XCTAssertEqual(try owner.stringArrayAttribute(named: "version"), ["2.15.0"])
            XCTAssertEqual(try owner.doubleAttribute(named: "rate"), 0.125)
            XCTAssertEqual(try owner.attributeType(named: "rate32"), .float(bits: 32))
            XCTAssertEqual(try owner.floatArrayAttribute(named: "rate32"), [1.5])
            XCTAssertEqual(try owner.intAttribute(named: "epochs"), 12)
            XCTAssertEqual(try owner.attributeType(named: "count32"), .integer(bits: 32, signed: true))
            XCTAssertEqual(try owner.intAttribute(named: "count32"), -3)
            XCTAssertEqual(try owner.intAttribute(named: "count64"), 1 << 50)
            XCTAssertEqual(try owner.doubleArrayAttribute(named: "doubles"), [0.5, -1.0, 1e-300])
            XCTAssertEqual(try owner.floatArrayAttribute(named: "floats"), [0.25, 8])
            XCTAssertEqual(try owner.doubleArrayAttribute(named: "floats"), [0.25, 8])
            XCTAssertEqual(try owner.intArrayAttribute(named: "ints"), [1, -2, 3])
            XCTAssertEqual(try owner.doubleArrayAttribute(named: "ints"), [1, -2, 3])
            XCTAssertEqual(try owner.attributeType(named: "int32s"), .integer(bits: 32, signed: true))
            XCTAssertEqual(try owner.intArrayAttribute(named: "int32s"), [4, 5])
            XCTAssertEqual(try owner.intArrayAttribute(named: "int64s"), [Int(Int64.min), Int(Int64.max)])
            XCTAssertTrue(try owner.hasAttribute(named: "rate"))
            XCTAssertFalse(try owner.hasAttribute(named: "missing"))
        }
    }

    func testSplitAttributesAreJoinedInOrder() throws {
        let file = try File(creating: path("split.h5"))
        let weights = try file.createGroup(at: "model_weights")
        // Written out of order on purpose: the parts are joined by number, not by listing.
        try weights.setAttribute(named: "layer_names1", to: ["fc1000"])
        try weights.setAttribute(named: "layer_names0", to: ["conv1", "bn_conv1"])
        XCTAssertEqual(try weights.stringArrayAttribute(named: "layer_names"), ["conv1", "bn_conv1", "fc1000"])
        // A whole attribute wins over parts, as in Keras's reader.
        try weights.setAttribute(named: "weight_names", to: ["w"])
        try weights.setAttribute(named: "weight_names0", to: ["stale"])
        XCTAssertEqual(try weights.stringArrayAttribute(named: "weight_names"), ["w"])
        let error = expectHDF5Error(try weights.stringArrayAttribute(named: "nothing"))
        XCTAssertEqual(error?.kind, .notFound(what: "attribute"))
    }

    /// A string array too big for an object header is split into name0, name1, ... like Keras does.
    func testLargeStringArraysAreSplitWhenWritten() throws {
        let filePath = path("large.h5")
        let names = (0..<3000).map { "block\($0 / 10)_layer_\($0)_with_a_long_name" }
        do {
            let file = try File(creating: filePath)
            try file.setAttribute(named: "layer_names", to: ["short", "list"])
            try file.setAttribute(named: "layer_names", to: names)
        }
        let file = try File(opening: filePath)
        XCTAssertFalse(try file.hasAttribute(named: "layer_names"))
        let parts = try file.attributeNames().filter { $0.hasPrefix("layer_names") }
        XCTAssertGreaterThan(parts.count, 1)
        XCTAssertEqual(try file.stringArrayAttribute(named: "layer_names"), names)
        for part in parts {
            let size = try file.attributeShape(named: part)[0]
            guard case let .fixedLengthString(bytes) = try file.attributeType(named: part) else {
                return XCTFail("\(part) is not a fixed-length string array")
            }
            XCTAssertLessThanOrEqual(size * bytes, Object.attributeSizeLimit, part)
        }
    }

    func testRewritingASmallArrayRemovesEarlierParts() throws {
        let file = try File(creating: path("rewrite.h5"))
        try file.setAttribute(named: "names", to: (0..<5000).map { "layer_\($0)_padding_padding" })
        try file.setAttribute(named: "names", to: ["only"])
        XCTAssertEqual(try file.attributeNames(), ["names"])
        XCTAssertEqual(try file.stringArrayAttribute(named: "names"), ["only"])
    }

    func testOverwritingChangesTypeAndDeleteRemoves() throws {
        let file = try File(creating: path("overwrite.h5"))
        try file.setAttribute(named: "x", to: 1)
        try file.setAttribute(named: "x", to: "now a string")
        XCTAssertEqual(try file.stringAttribute(named: "x"), "now a string")
        try file.deleteAttribute(named: "x")
        XCTAssertFalse(try file.hasAttribute(named: "x"))
        XCTAssertEqual(expectHDF5Error(try file.deleteAttribute(named: "x"))?.kind, .notFound(what: "attribute"))
    }

    func testNumericArraysBeyondTheHeaderLimitAreRefused() throws {
        let filePath = path("big.h5")
        let file = try File(creating: filePath)
        let error = expectHDF5Error(try file.setAttribute(named: "big", to: [Double](repeating: 0, count: 10000)))
        XCTAssertEqual(error?.attribute, "big")
        XCTAssertTrue(error?.errorDescription?.contains("use a dataset") ?? false, error?.errorDescription ?? "")
    }
}
