import CHDF5

/// A float32 dataset of rows (rows × columns) that grows as rows are appended: chunked, with an
/// unlimited first dimension, so a writer never needs all rows in memory at once.
public final class RowAppender: Object, @unchecked Sendable {
    public let columns: Int
    /// Rows written so far. Appends come from one thread at a time (the owner's).
    public private(set) var rows = 0

    init(owning id: hid_t, columns: Int, filePath: String, objectPath: String) {
        self.columns = columns
        super.init(owning: id, kind: .dataset, filePath: filePath, objectPath: objectPath)
    }

    /// Appends `values.count / columns` rows.
    public func append(_ values: UnsafeBufferPointer<Float>) throws {
        guard values.count % columns == 0 else {
            throw subject.error(.invalidArgument("\(values.count) values are not whole rows of \(columns)"))
        }
        let added = values.count / columns
        guard added > 0 else { return }
        let start = rows
        let subject = self.subject
        try subject.check(Library.call { H5Dset_extent(id, [hsize_t(start + added), hsize_t(columns)]) }, "H5Dset_extent")
        let fileSpace = Library.call { H5Dget_space(id) }
        try subject.check(fileSpace, "H5Dget_space")
        defer { Library.call { _ = H5Sclose(fileSpace) } }
        try subject.check(Library.call {
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, [hsize_t(start), 0], nil, [hsize_t(added), hsize_t(columns)], nil)
        }, "H5Sselect_hyperslab")
        let memorySpace = Library.call { H5Screate_simple(2, [hsize_t(added), hsize_t(columns)], nil) }
        try subject.check(memorySpace, "H5Screate_simple")
        defer { Library.call { _ = H5Sclose(memorySpace) } }
        let memoryType = NumericType.float32.memory  // takes the library lock itself
        try subject.check(Library.call {
            H5Dwrite(id, memoryType, memorySpace, fileSpace, tl_H5P_DEFAULT(), values.baseAddress)
        }, "H5Dwrite")
        rows = start + added
    }
}

extension Group {
    /// A new, empty (0 × columns) float32 dataset at `path` that grows by `RowAppender.append`,
    /// stored in chunks of `chunkRows` rows.
    public func createRowAppender(at path: String, columns: Int, chunkRows: Int = 64) throws -> RowAppender {
        let target = joinPath(objectPath, path)
        let subject = Subject(file: filePath, object: target)
        guard columns > 0, chunkRows > 0 else {
            throw subject.error(.invalidArgument("columns and chunk rows must be positive, got \(columns) and \(chunkRows)"))
        }
        guard try !contains(path) else { throw subject.error(.alreadyExists) }
        let space = Library.call { H5Screate_simple(2, [0, hsize_t(columns)], [tl_H5S_UNLIMITED(), hsize_t(columns)]) }
        try subject.check(space, "H5Screate_simple")
        defer { Library.call { _ = H5Sclose(space) } }
        let creation = Library.call { H5Pcreate(tl_H5P_DATASET_CREATE()) }
        try subject.check(creation, "H5Pcreate")
        defer { Library.call { _ = H5Pclose(creation) } }
        try subject.check(Library.call { H5Pset_chunk(creation, 2, [hsize_t(chunkRows), hsize_t(columns)]) }, "H5Pset_chunk")
        let links = Library.call { H5Pcreate(tl_H5P_LINK_CREATE()) }
        try subject.check(links, "H5Pcreate")
        defer { Library.call { _ = H5Pclose(links) } }
        try subject.check(Library.call { H5Pset_create_intermediate_group(links, 1) }, "H5Pset_create_intermediate_group")
        let fileType = NumericType.float32.file  // takes the library lock itself
        let handle = Library.call { H5Dcreate2(id, path, fileType, space, links, creation, tl_H5P_DEFAULT()) }
        try subject.check(handle, "H5Dcreate2")
        return RowAppender(owning: handle, columns: columns, filePath: filePath, objectPath: target)
    }
}
