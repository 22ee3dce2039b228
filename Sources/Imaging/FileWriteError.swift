import Foundation

/// A file that could not be written, with the destination path and the system's reason
/// ("Permission denied", "No such file or directory"), or the encoder's.
public struct FileWriteError: LocalizedError, Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var errorDescription: String? { "cannot write \(path): \(reason)" }
}
