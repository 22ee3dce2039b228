import CHDF5
import Foundation

/// The one gate into libhdf5.
///
/// Debian's libhdf5 is the serial build, which keeps global state (the ID tables, the free lists,
/// the error stack) without locks. Every call into it therefore goes through `Library.call`, one
/// call at a time. The lock is held for a single C call, never across Swift code that could
/// itself call back in, so it can be a plain non-recursive lock.
enum Library {
    private static let lock = NSLock()

    /// Runs once, before the first call: libhdf5 would otherwise print its error stack to stderr
    /// on every failed call, including the ones we expect (probing for an optional attribute).
    private static let ready: Void = {
        lock.lock()
        defer { lock.unlock() }
        _ = H5open()
        _ = tl_H5_silence_errors()
    }()

    static func call<Result>(_ body: () throws -> Result) rethrows -> Result {
        _ = ready
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Open file, group, dataset, datatype and attribute handles across all files; lets tests
    /// prove that every path, including the failing ones, closes what it opened.
    static func openHandleCount() -> Int {
        call { Int(H5Fget_obj_count(hid_t(tl_H5F_OBJ_ALL()), tl_H5F_OBJ_ALL())) }
    }
}

/// Joins an object path and a relative member path the way HDF5 resolves them.
func joinPath(_ base: String, _ member: String) -> String {
    if member.hasPrefix("/") { return member }
    if member.isEmpty || member == "." { return base }
    return base.hasSuffix("/") ? base + member : base + "/" + member
}
