import Foundation
import HDF5
import XCTest

/// Reads Tests/Fixtures/hdf5/h5py_types.h5, written by Tests/Fixtures/scripts/make_hdf5_fixtures.py
/// with h5py; the expected values restate that script's.
final class H5pyFixtureTests: XCTestCase {
    private var file: File!

    override func setUpWithError() throws {
        file = try File(opening: Fixtures.h5pyTypes)
    }

    override func tearDown() {
        file = nil
    }

    func testRootAttributesAsH5pyWritesThem() throws {
        XCTAssertEqual(try file.attributeType(named: "keras_version"), .variableLengthString)
        XCTAssertEqual(try file.attributeShape(named: "keras_version"), [])
        XCTAssertEqual(try file.stringAttribute(named: "keras_version"), "2.15.0")
        XCTAssertEqual(try file.stringAttribute(named: "backend"), "tensorflow")
        XCTAssertEqual(try file.stringAttribute(named: "model_config"), #"{"class_name": "Model", "name": "naïve"}"#)
        XCTAssertEqual(try file.attributeType(named: "fixed_scalar"), .fixedLengthString(bytes: 5))
        XCTAssertEqual(try file.stringAttribute(named: "fixed_scalar"), "2.1.6")
        XCTAssertEqual(try file.intAttribute(named: "epochs"), 12)
        XCTAssertEqual(try file.doubleAttribute(named: "learning_rate"), 0.125)
        XCTAssertEqual(try file.floatArrayAttribute(named: "mean"), [0.5, 1.5, -2.25])
        XCTAssertEqual(try file.attributeType(named: "sizes"), .integer(bits: 32, signed: true))
        XCTAssertEqual(try file.intArrayAttribute(named: "sizes"), [224, 224, 3])
        XCTAssertEqual(try file.attributeType(named: "tags"), .variableLengthString)
        XCTAssertEqual(try file.stringArrayAttribute(named: "tags"), ["alpha", "βeta", ""])
        XCTAssertEqual(try file.attributeNames(), [
            "backend", "epochs", "fixed_scalar", "keras_version", "learning_rate", "mean", "model_config",
            "sizes", "tags",
        ])
    }

    func testNumericDatasets() throws {
        let dense = try file.dataset(at: "dense_kernel")
        XCTAssertEqual(dense.shape, [3, 4])
        XCTAssertEqual(dense.elementType, .float(bits: 32))
        XCTAssertEqual(try dense.readFloats(), (0..<12).map { Float($0) * 0.5 - 1 })

        let conv = try file.dataset(at: "conv_kernel")
        XCTAssertEqual(conv.shape, [2, 2, 3, 4])
        XCTAssertEqual(try conv.readFloats(), (0..<48).map { Float($0) / 8 })

        let doubles = try file.dataset(at: "doubles")
        XCTAssertEqual(doubles.elementType, .float(bits: 64))
        XCTAssertEqual(try doubles.readDoubles(), [0.1, -2.5, 1e-300, Double.pi, 1e300])
        XCTAssertEqual(try doubles.readFloats(), [0.1, -2.5, 0, Float(Double.pi), Float.infinity])

        let int64s = try file.dataset(at: "int64s")
        XCTAssertEqual(int64s.elementType, .integer(bits: 64, signed: true))
        XCTAssertEqual(try int64s.readInt64s(), [0, 1, -5, 1 << 40, -(1 << 62)])

        let int32s = try file.dataset(at: "int32s")
        XCTAssertEqual(int32s.shape, [2, 2])
        XCTAssertEqual(try int32s.readInt32s(), [7, -8, Int32.max, Int32.min])

        let uint8s = try file.dataset(at: "uint8s")
        XCTAssertEqual(uint8s.elementType, .integer(bits: 8, signed: false))
        XCTAssertEqual(try uint8s.readFloats(), [0, 7, 255])
        XCTAssertEqual(try uint8s.readInts(), [0, 7, 255])

        let scalar = try file.dataset(at: "scalar")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(try scalar.readDoubles(), [42.5])
    }

    func testStringDatasets() throws {
        let fixed = try file.dataset(at: "fixed_strings")
        XCTAssertEqual(fixed.elementType, .fixedLengthString(bytes: 4))
        XCTAssertEqual(try fixed.readStrings(), ["cat", "dog", "bird"])
        let variable = try file.dataset(at: "vlen_strings")
        XCTAssertEqual(variable.elementType, .variableLengthString)
        XCTAssertEqual(try variable.readStrings(), ["α", "beta", ""])
    }

    func testKerasWeightLayout() throws {
        let weights = try file.group(at: "model_weights")
        XCTAssertEqual(try weights.attributeType(named: "layer_names"), .fixedLengthString(bytes: 8))
        XCTAssertEqual(try weights.stringArrayAttribute(named: "layer_names"), ["conv1", "bn_conv1"])
        // h5py does not track creation order: members come back alphabetical.
        XCTAssertEqual(try weights.memberNames(), ["bn_conv1", "conv1"])
        XCTAssertEqual(try weights.group(at: "bn_conv1").stringArrayAttribute(named: "weight_names"), [])

        let conv1 = try weights.group(at: "conv1")
        let weightNames = try conv1.stringArrayAttribute(named: "weight_names")
        XCTAssertEqual(weightNames, ["conv1/kernel:0", "conv1/bias:0"])
        XCTAssertEqual(try conv1.memberNames(), ["conv1"])
        XCTAssertEqual(try conv1.kind(at: "conv1"), .group)
        XCTAssertEqual(try conv1.kind(at: weightNames[0]), .dataset)
        let kernel = try conv1.dataset(at: weightNames[0])
        XCTAssertEqual(kernel.objectPath, "/model_weights/conv1/conv1/kernel:0")
        XCTAssertEqual(kernel.shape, [1, 1, 2, 3])
        XCTAssertEqual(try kernel.readFloats(), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try conv1.dataset(at: weightNames[1]).readFloats(), [0.25, -0.5, 0.75])
    }

    func testSplitAttribute() throws {
        let split = try file.group(at: "split")
        XCTAssertFalse(try split.hasAttribute(named: "layer_names"))
        XCTAssertEqual(try split.stringArrayAttribute(named: "layer_names"), ["conv1", "bn_conv1", "fc1000"])
    }

    func testNestedGroupsFromOnePath() throws {
        XCTAssertTrue(try file.contains("outer/inner/leaf"))
        XCTAssertEqual(try file.group(at: "outer").memberNames(), ["inner"])
        XCTAssertEqual(try file.group(at: "outer/inner/leaf").memberNames(), [])
        XCTAssertEqual(try file.memberNames(), [
            "conv_kernel", "dense_kernel", "doubles", "fixed_strings", "int32s", "int64s", "model_weights",
            "outer", "scalar", "split", "uint8s", "vlen_strings",
        ])
    }
}

/// Writes a sample for the h5py check when TL_HDF5_SAMPLE names an output path:
///
///     TL_HDF5_SAMPLE=/tmp/swift_written.h5 swift test --filter SwiftWrittenSampleTests
///     .venv-fixtures/bin/python Tests/Fixtures/scripts/check_swift_written_hdf5.py /tmp/swift_written.h5
///
/// (`swift test` cannot run Python itself, so this is a manual step.)
final class SwiftWrittenSampleTests: XCTestCase {
    func testWriteSampleForH5py() throws {
        guard let output = ProcessInfo.processInfo.environment["TL_HDF5_SAMPLE"] else {
            throw XCTSkip("set TL_HDF5_SAMPLE to a path to write the h5py cross-check sample")
        }
        let file = try File(creating: output)
        try file.setAttribute(named: "keras_version", to: "2.15.0")
        try file.setAttribute(named: "model_config", to: #"{"name": "naïve"}"#)
        try file.setAttribute(named: "epochs", to: 12)
        try file.setAttribute(named: "rate", to: 0.125)
        try file.setAttribute(named: "mean", to: [Float(0.5), 1.5, -2.25])
        try file.setAttribute(named: "sizes", to: [Int32(224), 224, 3])
        try file.setAttribute(named: "tags", to: ["alpha", "βeta", ""], storage: .variableLength)
        let weights = try file.createGroup(at: "model_weights")
        try weights.setAttribute(named: "layer_names", to: ["conv1", "bn_conv1"])
        let conv1 = try weights.createGroup(at: "conv1")
        try conv1.setAttribute(named: "weight_names", to: ["conv1/kernel:0", "conv1/bias:0"])
        try conv1.createDataset(at: "conv1/kernel:0", values: (0..<6).map { Float($0) }, shape: [1, 1, 2, 3])
        try conv1.createDataset(at: "conv1/bias:0", values: [Float(0.25), -0.5, 0.75], shape: [3])
        try weights.createGroup(at: "bn_conv1").setAttribute(named: "weight_names", to: [String]())
        try file.createDataset(at: "doubles", values: [0.1, -2.5, 1e-300, Double.pi, 1e300], shape: [5])
        try file.createDataset(at: "int64s", values: [Int64(0), 1, -5, 1 << 40, -(1 << 62)], shape: [5])
        try file.createDataset(at: "int32s", values: [Int32(7), -8, .max, .min], shape: [2, 2])
        try file.createDataset(at: "scalar", values: [42.5], shape: [])
        try file.createDataset(at: "fixed_strings", strings: ["cat", "dog", "bird"])
        try file.createDataset(at: "vlen_strings", strings: ["α", "beta", ""], storage: .variableLength)
        try file.createDataset(at: "empty", values: [Float](), shape: [0, 3])
        try file.setAttribute(named: "big_names", to: (0..<3000).map { "layer_\($0)_with_a_long_name_x" })
        try file.flush()
    }
}
