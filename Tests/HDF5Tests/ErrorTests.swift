import Foundation
import HDF5
import XCTest

final class ErrorTests: TemporaryDirectoryTestCase {
    private func writeSample(_ name: String) throws -> String {
        let filePath = path(name)
        let file = try File(creating: filePath)
        let conv = try file.createGroup(at: "model_weights/conv1")
        try conv.createDataset(at: "kernel", values: (0..<4000).map { Float($0) }, shape: [10, 20, 20])
        try conv.createDataset(at: "names", strings: ["a", "b"])
        try conv.setAttribute(named: "weight_names", to: ["conv1/kernel:0"])
        try file.setAttribute(named: "keras_version", to: "2.15.0")
        return filePath
    }

    func testMissingDatasetNamesFileAndObjectPath() throws {
        let filePath = try writeSample("model.h5")
        let file = try File(opening: filePath)
        let conv = try file.group(at: "model_weights/conv1")
        let error = expectHDF5Error(try conv.dataset(at: "bias"))
        XCTAssertEqual(error?.file, filePath)
        XCTAssertEqual(error?.object, "/model_weights/conv1/bias")
        XCTAssertEqual(error?.errorDescription, "\(filePath): /model_weights/conv1/bias: dataset not found")
        let group = expectHDF5Error(try file.group(at: "model_weights/conv2"))
        XCTAssertEqual(group?.errorDescription, "\(filePath): /model_weights/conv2: group not found")
    }

    func testMissingAttributeNamesObjectAndAttribute() throws {
        let filePath = try writeSample("model.h5")
        let file = try File(opening: filePath)
        let error = expectHDF5Error(try file.group(at: "model_weights").stringArrayAttribute(named: "layer_names"))
        XCTAssertEqual(error?.errorDescription, "\(filePath): /model_weights: attribute 'layer_names' not found")
    }

    func testWrongKind() throws {
        let filePath = try writeSample("kind.h5")
        let file = try File(opening: filePath)
        let error = expectHDF5Error(try file.dataset(at: "model_weights"))
        XCTAssertEqual(error?.kind, .wrongKind(expected: "dataset", actual: "group"))
        XCTAssertEqual(error?.errorDescription, "\(filePath): /model_weights: is a group, not a dataset")
        XCTAssertEqual(expectHDF5Error(try file.group(at: "model_weights/conv1/kernel"))?.kind,
                       .wrongKind(expected: "group", actual: "dataset"))
    }

    func testTypeMismatches() throws {
        let filePath = try writeSample("types.h5")
        let file = try File(opening: filePath)
        let names = try file.dataset(at: "model_weights/conv1/names")
        let floats = expectHDF5Error(try names.readFloats())
        XCTAssertEqual(floats?.kind, .typeMismatch(expected: "numeric data", actual: "fixed-length string (1 bytes)"))
        XCTAssertEqual(floats?.object, "/model_weights/conv1/names")
        let kernel = try file.dataset(at: "model_weights/conv1/kernel")
        XCTAssertEqual(expectHDF5Error(try kernel.readStrings())?.kind,
                       .typeMismatch(expected: "strings", actual: "float32"))
        XCTAssertEqual(expectHDF5Error(try kernel.readInt64s())?.kind,
                       .typeMismatch(expected: "integer data", actual: "float32"))
        let attribute = expectHDF5Error(try file.doubleAttribute(named: "keras_version"))
        XCTAssertEqual(attribute?.errorDescription,
                       "\(filePath): /: attribute 'keras_version': expected numeric data, found variable-length string")
    }

    func testCountAndShapeMismatches() throws {
        let file = try File(creating: path("count.h5"))
        let error = expectHDF5Error(try file.createDataset(at: "w", values: [Float](repeating: 0, count: 5), shape: [2, 3]))
        XCTAssertEqual(error?.kind, .countMismatch(expected: 6, actual: 5))
        XCTAssertEqual(error?.object, "/w")
        XCTAssertFalse(try file.contains("w"), "a refused dataset must not be left behind")
        XCTAssertEqual(expectHDF5Error(try file.createDataset(at: "n", values: [Float](), shape: [-1]))?.kind,
                       .invalidArgument("negative dimension in shape [-1]"))
        try file.setAttribute(named: "pair", to: [1, 2])
        XCTAssertEqual(expectHDF5Error(try file.intAttribute(named: "pair"))?.kind,
                       .countMismatch(expected: 1, actual: 2))
    }

    func testMissingFile() {
        let filePath = path("absent.h5")
        let error = expectHDF5Error(try File(opening: filePath))
        XCTAssertEqual(error?.kind, .fileNotFound)
        XCTAssertEqual(error?.errorDescription, "\(filePath): no such file")
    }

    func testTextFileIsNotHDF5() throws {
        let filePath = path("x.h5")
        try "this is not HDF5\n".write(toFile: filePath, atomically: true, encoding: .utf8)
        let error = expectHDF5Error(try File(opening: filePath))
        XCTAssertEqual(error?.kind, .notHDF5File)
        XCTAssertEqual(error?.errorDescription, "\(filePath): not an HDF5 file")
        let empty = path("empty.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertEqual(expectHDF5Error(try File(opening: empty))?.kind, .notHDF5File)
    }

    func testDirectoryIsRefused() {
        XCTAssertEqual(expectHDF5Error(try File(opening: directory.path))?.kind, .cannotOpen(reason: "is a directory"))
    }

    /// A file cut short keeps its signature, so it gets past H5Fis_hdf5; it must still fail cleanly.
    func testTruncatedFileFailsWithoutCrashing() throws {
        let whole = try writeSample("whole.h5")
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        for (name, length) in [("half.h5", data.count / 2), ("head.h5", 600)] {
            let cut = path(name)
            try data.prefix(length).write(to: URL(fileURLWithPath: cut))
            do {
                let file = try File(opening: cut)
                // Should libhdf5 ever accept the superblock, reading what was cut must still throw.
                let kernel = try file.dataset(at: "model_weights/conv1/kernel")
                _ = try kernel.readFloats()
                XCTFail("\(name): reading a truncated file succeeded")
            } catch let error as HDF5Error {
                XCTAssertEqual(error.file, cut)
                XCTAssertTrue(error.errorDescription?.hasPrefix("\(cut): ") ?? false)
            }
        }
        let error = expectHDF5Error(try File(opening: path("half.h5")))
        XCTAssertEqual(error?.kind, .cannotOpen(reason: "truncated, damaged or open in a writer"))
    }

    func testCreateInMissingDirectoryFails() {
        let filePath = directory.appendingPathComponent("no/such/dir/out.h5").path
        let error = expectHDF5Error(try File(creating: filePath))
        XCTAssertEqual(error?.kind, .cannotOpen(reason: "cannot create"))
    }
}
