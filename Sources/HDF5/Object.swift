import CHDF5

/// An open HDF5 object that can carry attributes: a file (its root group), a group or a dataset.
///
/// The object owns its libhdf5 handle and closes it when released. Closing a file handle while
/// groups or datasets from it are still alive is safe: libhdf5 keeps the file open until the
/// last of them closes.
///
/// Instances may be shared between threads: their stored properties never change and every
/// libhdf5 call goes through the library's single lock.
public class Object: @unchecked Sendable {
    enum HandleKind {
        case file, group, dataset
    }

    let id: hid_t
    private let handleKind: HandleKind
    /// The file's path, as given when it was opened or created.
    public let filePath: String
    /// The absolute path of this object inside the file, "/" for the root group.
    public let objectPath: String

    /// Takes ownership of `id`, which must be open and of `handleKind`.
    init(owning id: hid_t, kind handleKind: HandleKind, filePath: String, objectPath: String) {
        self.id = id
        self.handleKind = handleKind
        self.filePath = filePath
        self.objectPath = objectPath
    }

    // One deinit for the three kinds, because a File is a Group (as in h5py) and a subclass
    // deinit cannot stop its superclass's from closing the same id a second time.
    deinit {
        Library.call {
            switch handleKind {
            case .file: _ = H5Fclose(id)
            case .group: _ = H5Gclose(id)
            case .dataset: _ = H5Dclose(id)
            }
        }
    }

    var subject: Subject { Subject(file: filePath, object: objectPath) }
}
