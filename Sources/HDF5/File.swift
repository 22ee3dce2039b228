import CHDF5
import Foundation

/// An open HDF5 file, which is also its root group ("/"), as in h5py: `file.group(at:)`,
/// `file.dataset(at:)` and the file's attributes (the root group's) work directly on it.
///
/// The file closes when the `File` and every group and dataset opened from it are released.
/// Writers that need a complete file on disk before renaming it should call `flush()`.
public final class File: Group, @unchecked Sendable {
    public enum Mode: Sendable {
        case readOnly
        case readWrite
    }

    /// The file's path, as given.
    public var path: String { filePath }

    /// Opens an existing file.
    public init(opening path: String, mode: Mode = .readOnly) throws {
        let subject = Subject(file: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw subject.error(.fileNotFound)
        }
        guard !isDirectory.boolValue else { throw subject.error(.cannotOpen(reason: "is a directory")) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw subject.error(.cannotOpen(reason: "permission denied"))
        }
        // H5Fis_hdf5 only looks for the signature; it is what tells a stray text file from damage.
        let signature = Library.call { H5Fis_hdf5(path) }
        guard signature > 0 else { throw subject.error(.notHDF5File) }
        let flags = Library.call { mode == .readOnly ? tl_H5F_ACC_RDONLY() : tl_H5F_ACC_RDWR() }
        let file = Library.call { H5Fopen(path, flags, tl_H5P_DEFAULT()) }
        guard file >= 0 else {
            // libhdf5 also refuses a file another writer holds open (it locks files), hence the hedge.
            let writable = mode == .readOnly || FileManager.default.isWritableFile(atPath: path)
            throw subject.error(.cannotOpen(reason: writable ? "truncated, damaged or open in a writer" : "not writable"))
        }
        super.init(owning: file, kind: .file, filePath: path, objectPath: "/")
    }

    /// Creates a file, replacing any file at `path`.
    public init(creating path: String) throws {
        let subject = Subject(file: path)
        let creationList = Library.call { H5Pcreate(tl_H5P_FILE_CREATE()) }
        try subject.check(creationList, "H5Pcreate")
        defer { Library.call { _ = H5Pclose(creationList) } }
        try subject.check(Library.call { H5Pset_link_creation_order(creationList, creationOrderFlags) },
                          "H5Pset_link_creation_order")
        let file = Library.call { H5Fcreate(path, tl_H5F_ACC_TRUNC(), creationList, tl_H5P_DEFAULT()) }
        guard file >= 0 else { throw subject.error(.cannotOpen(reason: "cannot create")) }
        super.init(owning: file, kind: .file, filePath: path, objectPath: "/")
    }

    public convenience init(opening url: URL, mode: Mode = .readOnly) throws {
        try self.init(opening: url.path, mode: mode)
    }

    public convenience init(creating url: URL) throws {
        try self.init(creating: url.path)
    }

    /// Writes everything buffered to disk.
    public func flush() throws {
        try subject.check(Library.call { H5Fflush(id, H5F_SCOPE_GLOBAL) }, "H5Fflush")
    }
}
