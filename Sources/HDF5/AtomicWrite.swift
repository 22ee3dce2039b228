import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension File {
    /// Writes a whole new file at `path`: `body` fills a temporary file beside it, which
    /// is flushed, closed and renamed over `path`, so readers (and an interrupted run)
    /// only ever see the old file or the complete new one.
    public static func writeAtomically(to path: String, _ body: (File) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { unlink(temporary) }
        do {
            let file = try File(creating: temporary)
            try body(file)
            try file.flush()
        } catch var error as HDF5Error where error.file == temporary {
            // Name the file the user asked for, not the temporary one.
            error = HDF5Error(file: path, object: error.object, attribute: error.attribute, kind: error.kind)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            throw HDF5Error(file: path, kind: .cannotOpen(reason: "cannot write: \(String(cString: strerror(errno)))"))
        }
    }
}
