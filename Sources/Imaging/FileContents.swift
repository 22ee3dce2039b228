import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed read, with the system's own words ("No such file or directory", "Permission denied"),
/// which Foundation's messages wrap in boilerplate that differs between platforms.
struct FileReadError: Error {
    let reason: String

    init(errno code: Int32) {
        reason = String(cString: strerror(code))
    }
}

/// Reads a whole regular file.
func contentsOfFile(atPath path: String) throws -> Data {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileReadError(errno: errno) }
    defer { close(descriptor) }

    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw FileReadError(errno: errno) }
    switch status.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw FileReadError(errno: EISDIR)
    default: throw FileReadError(errno: EINVAL)
    }

    var data = Data(count: Int(status.st_size))
    var total = 0
    try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
        while total < buffer.count {
            let count = read(descriptor, buffer.baseAddress! + total, buffer.count - total)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileReadError(errno: errno)
            }
            if count == 0 { break }  // the file shrank since fstat
            total += count
        }
    }
    if total < data.count { data.removeSubrange(total...) }
    return data
}
