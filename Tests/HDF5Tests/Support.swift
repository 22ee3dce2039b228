import Foundation
import HDF5
import XCTest

/// Committed fixtures, found next to the test sources rather than through bundle resources.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // HDF5Tests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    static var h5pyTypes: String { root.appendingPathComponent("hdf5/h5py_types.h5").path }
}

/// A fresh directory per test, removed afterwards.
class TemporaryDirectoryTestCase: XCTestCase {
    private(set) var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("HDF5Tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// Runs `body`, expecting it to throw an HDF5Error, and returns the error for inspection.
func expectHDF5Error<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath,
                        line: UInt = #line) -> HDF5Error? {
    do {
        _ = try body()
        XCTFail("expected an HDF5Error, nothing was thrown", file: file, line: line)
    } catch let error as HDF5Error {
        return error
    } catch {
        XCTFail("expected an HDF5Error, got \(error)", file: file, line: line)
    }
    return nil
}
