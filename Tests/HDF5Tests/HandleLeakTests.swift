@testable import HDF5
import XCTest

/// Every handle opened on the way, succeeding or failing, must be closed once the objects go.
final class HandleLeakTests: TemporaryDirectoryTestCase {
    func testNoHandleOutlivesItsObjects() throws {
        let before = Library.openHandleCount()
        let filePath = path("leaks.h5")
        do {
            let file = try File(creating: filePath)
            let group = try file.createGroup(at: "a/b")
            try group.createDataset(at: "w", values: [Float](repeating: 1, count: 6), shape: [2, 3])
            try group.createDataset(at: "s", strings: ["x", "yy"], storage: .variableLength)
            try group.setAttribute(named: "names", to: (0..<4000).map { "name_\($0)_long_enough" })
            try file.setAttribute(named: "version", to: "1")
            _ = try? group.createDataset(at: "bad", values: [Float(1)], shape: [2])
            _ = try? group.createGroup(at: "w")
            XCTAssertGreaterThan(Library.openHandleCount(), before)
        }
        XCTAssertEqual(Library.openHandleCount(), before, "after writing")
        do {
            let file = try File(opening: filePath)
            let group = try file.group(at: "a/b")
            _ = try group.dataset(at: "w").readFloats()
            _ = try group.dataset(at: "s").readStrings()
            _ = try group.stringArrayAttribute(named: "names")
            _ = try group.memberNames()
            _ = try file.attributeNames()
            _ = try? group.dataset(at: "missing")
            _ = try? file.dataset(at: "a")
            _ = try? group.dataset(at: "s").readFloats()
            _ = try? group.dataset(at: "w").readStrings()
            _ = try? file.doubleAttribute(named: "version")
            _ = try? file.stringAttribute(named: "absent")
        }
        XCTAssertEqual(Library.openHandleCount(), before, "after reading")
        _ = try? File(opening: path("absent.h5"))
        XCTAssertEqual(Library.openHandleCount(), before, "after failing to open")
    }
}
