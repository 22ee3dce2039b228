import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole files so that the destination either keeps its old contents or holds the new
/// ones completely (DESIGN.md: write to a temporary name in the destination folder, then
/// rename). A crash or a full disk leaves at worst a hidden `.name.tmp-…` file, never a
/// truncated PNG or report that a later run would mistake for a good one.
public enum AtomicFile {
    /// Replaces (or creates) the file at `url` with `data`. Errors name `url.path`.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { append in
            try data.withUnsafeBytes { try append($0) }
        }
    }

    /// Replaces (or creates) the file at `url` with the bytes `body` appends piece by piece,
    /// so a large file never has to exist in memory as a whole.
    public static func write(to url: URL, body: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let (descriptor, temporary) = try createTemporaryFile(in: directory, for: url.lastPathComponent, path: path)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            try body { bytes in try writeAll(bytes, to: descriptor, path: path) }
            // Without fsync the rename could reach the disk before the data does.
            guard fsync(descriptor) == 0 else { throw FileWriteError(path: path, reason: Self.reason(errno)) }
        } catch {
            close(descriptor)
            throw error as? FileWriteError ?? FileWriteError(path: path, reason: "\(error)")
        }
        guard close(descriptor) == 0 else { throw FileWriteError(path: path, reason: reason(errno)) }
        guard rename(temporary, path) == 0 else { throw FileWriteError(path: path, reason: reason(errno)) }
        renamed = true
    }

    /// Opens a new file beside the destination. O_EXCL with a random suffix keeps concurrent
    /// writers apart; mode 0666 lets the umask decide permissions, as for any created file.
    private static func createTemporaryFile(in directory: String, for name: String,
                                            path: String) throws -> (Int32, String) {
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).tmp-\(suffix)"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 { return (descriptor, temporary) }
            if errno != EEXIST { throw FileWriteError(path: path, reason: reason(errno)) }
        }
        throw FileWriteError(path: path, reason: "could not create a temporary file in \(directory)")
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var written = 0
        while written < bytes.count {
            let count = systemWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(path: path, reason: reason(errno))
            }
            written += count
        }
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// write(2), named apart from `AtomicFile.write(_:to:)`, which would shadow it inside the enum.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
