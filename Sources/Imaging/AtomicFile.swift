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
        try write(to: url) { sink in
            try data.withUnsafeBytes { try sink.append($0) }
        }
    }

    /// The temporary file being written: bytes are appended in order, and an earlier range
    /// may be overwritten (a header whose counts are known only at the end).
    public struct Sink {
        fileprivate let descriptor: Int32
        fileprivate let path: String

        public func append(_ bytes: UnsafeRawBufferPointer) throws {
            try AtomicFile.writeAll(bytes, to: descriptor, path: path)
        }

        public func append(_ data: Data) throws {
            try data.withUnsafeBytes { try append($0) }
        }

        /// Rewrites `bytes` at `offset`, which must lie within what was appended.
        public func overwrite(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
            var written = 0
            while written < bytes.count {
                let count = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset + written))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FileWriteError(path: path, reason: AtomicFile.reason(errno))
                }
                written += count
            }
        }
    }

    /// Replaces (or creates) the file at `url` with the bytes `body` writes through the sink,
    /// piece by piece, so a large file never has to exist in memory as a whole.
    public static func write(to url: URL, body: (Sink) throws -> Void) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let (descriptor, temporary) = try createTemporaryFile(in: directory, for: url.lastPathComponent, path: path)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            try body(Sink(descriptor: descriptor, path: path))
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

    fileprivate static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
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

    fileprivate static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// write(2), named apart from `AtomicFile.write(_:to:)`, which would shadow it inside the enum.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
