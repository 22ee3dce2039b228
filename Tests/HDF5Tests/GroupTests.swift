import HDF5
import XCTest

final class GroupTests: TemporaryDirectoryTestCase {
    /// Keras names containing '/' are nested groups: creating by path makes every level.
    func testNestedPathsCreateIntermediateGroups() throws {
        let filePath = path("nested.h5")
        do {
            let file = try File(creating: filePath)
            let weights = try file.createGroup(at: "model_weights")
            try weights.createGroup(at: "block1/conv")
            try weights.createDataset(at: "block1/conv/block1/conv/kernel:0", values: [Float](repeating: 0.5, count: 4),
                                      shape: [1, 1, 2, 2])
        }
        let file = try File(opening: filePath)
        XCTAssertEqual(file.objectPath, "/")
        let conv = try file.group(at: "model_weights/block1/conv")
        XCTAssertEqual(conv.objectPath, "/model_weights/block1/conv")
        XCTAssertEqual(conv.filePath, filePath)
        let kernel = try conv.dataset(at: "block1/conv/kernel:0")
        XCTAssertEqual(kernel.objectPath, "/model_weights/block1/conv/block1/conv/kernel:0")
        XCTAssertEqual(kernel.shape, [1, 1, 2, 2])
        XCTAssertEqual(try file.dataset(at: "/model_weights/block1/conv/block1/conv/kernel:0").readFloats(),
                       [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(try file.group(at: "model_weights").memberNames(), ["block1"])
    }

    func testContainsAndKind() throws {
        let file = try File(creating: path("kinds.h5"))
        try file.createDataset(at: "a/b/data", values: [Int32(1)], shape: [1])
        XCTAssertTrue(try file.contains("a"))
        XCTAssertTrue(try file.contains("a/b"))
        XCTAssertTrue(try file.contains("/a/b/data"))
        XCTAssertTrue(try file.contains("/"))
        XCTAssertFalse(try file.contains("missing"))
        XCTAssertFalse(try file.contains("missing/deeper/still"))
        XCTAssertFalse(try file.contains("a/b/data/below_a_dataset"))
        XCTAssertTrue(try file.group(at: "a").contains("b/data"))
        XCTAssertEqual(try file.kind(at: "a/b"), .group)
        XCTAssertEqual(try file.kind(at: "a/b/data"), .dataset)
        XCTAssertEqual(expectHDF5Error(try file.kind(at: "a/zz"))?.kind, .notFound(what: "object"))
    }

    /// Groups written here track creation order, so listings come back as written, not sorted.
    func testMemberNamesKeepCreationOrder() throws {
        let filePath = path("order.h5")
        let names = ["zeta", "alpha", "mid", "beta"]
        do {
            let file = try File(creating: filePath)
            let group = try file.createGroup(at: "g")
            for name in names { try group.createGroup(at: name) }
            try group.createDataset(at: "0_data", values: [Float(1)], shape: [1])
            for name in names { try file.createGroup(at: name) }
        }
        let file = try File(opening: filePath)
        XCTAssertEqual(try file.group(at: "g").memberNames(), names + ["0_data"])
        XCTAssertEqual(try file.memberNames(), ["g"] + names)
    }

    func testGroupCreatingIfNeeded() throws {
        let file = try File(creating: path("reuse.h5"))
        let first = try file.groupCreatingIfNeeded(at: "x/y")
        try first.setAttribute(named: "mark", to: 1)
        let second = try file.groupCreatingIfNeeded(at: "x/y")
        XCTAssertEqual(try second.intAttribute(named: "mark"), 1)
    }

    func testCreatingTwiceIsAnError() throws {
        let filePath = path("twice.h5")
        let file = try File(creating: filePath)
        try file.createGroup(at: "g")
        try file.createDataset(at: "d", values: [Float(1)], shape: [1])
        let group = expectHDF5Error(try file.createGroup(at: "g"))
        XCTAssertEqual(group?.kind, .alreadyExists)
        XCTAssertEqual(group?.errorDescription, "\(filePath): /g: object already exists")
        XCTAssertEqual(expectHDF5Error(try file.createDataset(at: "d", values: [Float(2)], shape: [1]))?.kind,
                       .alreadyExists)
    }
}
