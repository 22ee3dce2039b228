import CHDF5

/// A group: a folder of named groups and datasets.
///
/// Paths are relative to the group unless they start with "/", and may nest
/// ("model_weights/conv1/conv1"): Keras writes a layer or weight name containing '/' as nested
/// groups, so such names are simply paths here.
///
/// `Group` is not final only because `File` is its root group, as in h5py; nothing outside
/// this module can subclass it.
public class Group: Object, @unchecked Sendable {
    public enum MemberKind: Equatable, Sendable {
        case group
        case dataset
        /// A named datatype, or a link that does not resolve (dangling soft link, missing external file).
        case other
    }

    // MARK: Navigation

    public func group(at path: String) throws -> Group {
        let target = joinPath(objectPath, path)
        let subject = Subject(file: filePath, object: target)
        let group = Library.call { H5Gopen2(id, path, tl_H5P_DEFAULT()) }
        guard group >= 0 else { throw try openFailure(at: path, expected: .group, subject: subject) }
        return Group(owning: group, kind: .group, filePath: filePath, objectPath: target)
    }

    public func dataset(at path: String) throws -> Dataset {
        let target = joinPath(objectPath, path)
        let subject = Subject(file: filePath, object: target)
        let dataset = Library.call { H5Dopen2(id, path, tl_H5P_DEFAULT()) }
        guard dataset >= 0 else { throw try openFailure(at: path, expected: .dataset, subject: subject) }
        return try Dataset(owning: dataset, filePath: filePath, objectPath: target)
    }

    /// Whether a link exists at `path`; false (not an error) when an intermediate group is
    /// missing or is a dataset.
    public func contains(_ path: String) throws -> Bool {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/" + component
            // H5Lexists fails, rather than answering false, when the parent does not exist,
            // so walk the path one link at a time.
            let exists = Library.call { H5Lexists(id, prefix, tl_H5P_DEFAULT()) }
            if exists <= 0 { return false }
        }
        return true
    }

    public func kind(at path: String) throws -> MemberKind {
        let subject = Subject(file: filePath, object: joinPath(objectPath, path))
        guard try contains(path) else { throw subject.error(.notFound(what: "object")) }
        let type = Library.call { tl_H5O_type_by_name(id, path) }
        if type == H5O_TYPE_GROUP.rawValue { return .group }
        if type == H5O_TYPE_DATASET.rawValue { return .dataset }
        return .other
    }

    /// The names of the group's direct members: in creation order when the group tracks it
    /// (groups this library creates do), otherwise alphabetical — the case for files written
    /// by h5py and Keras, which is why Keras keeps its layer order in `layer_names`.
    public func memberNames() throws -> [String] {
        let subject = self.subject
        // A file id stands for its root group everywhere except H5Gget_create_plist, so reopen as a group.
        let group = Library.call { H5Gopen2(id, ".", tl_H5P_DEFAULT()) }
        try subject.check(group, "H5Gopen2")
        defer { Library.call { _ = H5Gclose(group) } }
        let plist = Library.call { H5Gget_create_plist(group) }
        try subject.check(plist, "H5Gget_create_plist")
        defer { Library.call { _ = H5Pclose(plist) } }
        var orderFlags: UInt32 = 0
        try subject.check(Library.call { H5Pget_link_creation_order(plist, &orderFlags) }, "H5Pget_link_creation_order")
        let index = orderFlags & UInt32(H5P_CRT_ORDER_INDEXED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME
        var info = H5G_info_t()
        try subject.check(Library.call { H5Gget_info(group, &info) }, "H5Gget_info")
        return try (0..<info.nlinks).map { position in
            try Library.call {
                let length = H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, position, nil, 0, tl_H5P_DEFAULT())
                try subject.check(length, "H5Lget_name_by_idx")
                var name = [CChar](repeating: 0, count: length + 1)
                try subject.check(H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, position, &name, name.count,
                                                     tl_H5P_DEFAULT()), "H5Lget_name_by_idx")
                return String(cString: name)
            }
        }
    }

    // MARK: Creation

    /// Creates a group, and any missing groups on the way to it.
    @discardableResult
    public func createGroup(at path: String) throws -> Group {
        let target = joinPath(objectPath, path)
        let subject = Subject(file: filePath, object: target)
        guard try !contains(path) else { throw subject.error(.alreadyExists) }
        let group = try withCreationLists(subject: subject) { linkList, groupList in
            Library.call { H5Gcreate2(id, path, linkList, groupList, tl_H5P_DEFAULT()) }
        }
        try subject.check(group, "H5Gcreate2")
        return Group(owning: group, kind: .group, filePath: filePath, objectPath: target)
    }

    /// Returns the group at `path`, creating it (and missing parents) if there is none.
    public func groupCreatingIfNeeded(at path: String) throws -> Group {
        try contains(path) ? try group(at: path) : try createGroup(at: path)
    }

    @discardableResult
    public func createDataset(at path: String, values: [Float], shape: [Int]) throws -> Dataset {
        try createNumericDataset(at: path, values: values, shape: shape, type: .float32)
    }

    @discardableResult
    public func createDataset(at path: String, values: [Double], shape: [Int]) throws -> Dataset {
        try createNumericDataset(at: path, values: values, shape: shape, type: .float64)
    }

    @discardableResult
    public func createDataset(at path: String, values: [Int32], shape: [Int]) throws -> Dataset {
        try createNumericDataset(at: path, values: values, shape: shape, type: .int32)
    }

    @discardableResult
    public func createDataset(at path: String, values: [Int64], shape: [Int]) throws -> Dataset {
        try createNumericDataset(at: path, values: values, shape: shape, type: .int64)
    }

    /// Stored as int64.
    @discardableResult
    public func createDataset(at path: String, values: [Int], shape: [Int]) throws -> Dataset {
        try createNumericDataset(at: path, values: values.map { Int64($0) }, shape: shape, type: .int64)
    }

    /// Strings, 1-D unless `shape` says otherwise; fixed-length NUL-padded (numpy 'S') by default.
    @discardableResult
    public func createDataset(at path: String, strings: [String], shape: [Int]? = nil,
                              storage: StringStorage = .fixedLength) throws -> Dataset {
        let subject = Subject(file: filePath, object: joinPath(objectPath, path))
        return try withStringData(strings, storage: storage, subject: subject) { type, _, buffer in
            try createDataset(at: path, shape: shape ?? [strings.count], count: strings.count, type: type,
                              memoryType: type, buffer: buffer)
        }
    }

    // MARK: Internals

    private func createNumericDataset<T>(at path: String, values: [T], shape: [Int],
                                         type: NumericType) throws -> Dataset {
        try values.withUnsafeBytes { raw in
            try createDataset(at: path, shape: shape, count: values.count, type: type.file, memoryType: type.memory,
                              buffer: values.isEmpty ? nil : raw.baseAddress)
        }
    }

    private func createDataset(at path: String, shape: [Int], count: Int, type: hid_t, memoryType: hid_t,
                               buffer: UnsafeRawPointer?) throws -> Dataset {
        let target = joinPath(objectPath, path)
        let subject = Subject(file: filePath, object: target)
        guard try !contains(path) else { throw subject.error(.alreadyExists) }
        return try withSpace(shape: shape, count: count, subject: subject) { space in
            let handle = try withCreationLists(subject: subject) { linkList, _ in
                Library.call { H5Dcreate2(id, path, type, space, linkList, tl_H5P_DEFAULT(), tl_H5P_DEFAULT()) }
            }
            try subject.check(handle, "H5Dcreate2")
            // Owned from here on, so a failed write below still closes it.
            let dataset = try Dataset(owning: handle, filePath: filePath, objectPath: target)
            if let buffer {
                try subject.check(Library.call {
                    H5Dwrite(handle, memoryType, tl_H5S_ALL(), tl_H5S_ALL(), tl_H5P_DEFAULT(), buffer)
                }, "H5Dwrite")
            }
            return dataset
        }
    }

    /// Property lists for creating an object: intermediate groups are created as needed (for
    /// nested Keras names) and new groups track link creation order (so listings keep it).
    private func withCreationLists<Result>(subject: Subject,
                                           _ body: (_ linkList: hid_t, _ groupList: hid_t) throws -> Result)
        throws -> Result {
        let linkList = Library.call { H5Pcreate(tl_H5P_LINK_CREATE()) }
        try subject.check(linkList, "H5Pcreate")
        defer { Library.call { _ = H5Pclose(linkList) } }
        try subject.check(Library.call { H5Pset_create_intermediate_group(linkList, 1) },
                          "H5Pset_create_intermediate_group")
        let groupList = Library.call { H5Pcreate(tl_H5P_GROUP_CREATE()) }
        try subject.check(groupList, "H5Pcreate")
        defer { Library.call { _ = H5Pclose(groupList) } }
        try subject.check(Library.call { H5Pset_link_creation_order(groupList, creationOrderFlags) },
                          "H5Pset_link_creation_order")
        return try body(linkList, groupList)
    }

    /// Tells "not found" from "found, but the wrong kind" after an open failed.
    private func openFailure(at path: String, expected: MemberKind, subject: Subject) throws -> HDF5Error {
        let name = expected == .group ? "group" : "dataset"
        guard try contains(path) else { return subject.error(.notFound(what: name)) }
        let actual = try kind(at: path)
        guard actual != expected else { return subject.error(.callFailed(expected == .group ? "H5Gopen2" : "H5Dopen2")) }
        return subject.error(.wrongKind(expected: name, actual: actual == .group ? "group" : actual == .dataset ? "dataset" : "link to something else"))
    }
}

/// Track and index link creation order, so member listings come back in the order written.
let creationOrderFlags = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
