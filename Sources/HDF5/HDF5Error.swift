import Foundation

/// A failure reading or writing an HDF5 file, naming the file and, where there is one, the object
/// path and attribute, so a message such as "model.h5: /model_weights/conv1: dataset not found"
/// is enough to locate the problem without a debugger.
public struct HDF5Error: LocalizedError, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case fileNotFound
        case notHDF5File
        /// The file exists and looks like HDF5 but libhdf5 refused it (truncated, damaged, locked).
        case cannotOpen(reason: String)
        /// `what` names the kind of thing that was looked for: "dataset", "group", "attribute", "object".
        case notFound(what: String)
        case wrongKind(expected: String, actual: String)
        case alreadyExists
        case typeMismatch(expected: String, actual: String)
        case countMismatch(expected: Int, actual: Int)
        case invalidArgument(String)
        /// A libhdf5 call failed where no more specific cause could be told; carries the function name.
        case callFailed(String)
    }

    /// The file path as the caller gave it.
    public let file: String
    /// The absolute path of the object inside the file ("/model_weights/conv1"), if the error concerns one.
    public let object: String?
    /// The attribute's name, if the error concerns an attribute of `object`.
    public let attribute: String?
    public let kind: Kind

    public init(file: String, object: String? = nil, attribute: String? = nil, kind: Kind) {
        self.file = file
        self.object = object
        self.attribute = attribute
        self.kind = kind
    }

    public var errorDescription: String? {
        var parts = [file]
        if let object { parts.append(object) }
        let subject = attribute.map { "attribute '\($0)'" }
        switch kind {
        case .fileNotFound:
            parts.append("no such file")
        case .notHDF5File:
            parts.append("not an HDF5 file")
        case let .cannotOpen(reason):
            parts.append("cannot open HDF5 file (\(reason))")
        case let .notFound(what):
            parts.append("\(subject ?? what) not found")
        case let .wrongKind(expected, actual):
            parts.append("is a \(actual), not a \(expected)")
        case .alreadyExists:
            parts.append("\(subject ?? "object") already exists")
        case let .typeMismatch(expected, actual):
            parts.append(prefixed(subject, "expected \(expected), found \(actual)"))
        case let .countMismatch(expected, actual):
            parts.append(prefixed(subject, "expected \(expected) elements, found \(actual)"))
        case let .invalidArgument(message):
            parts.append(prefixed(subject, message))
        case let .callFailed(function):
            parts.append(prefixed(subject, "\(function) failed"))
        }
        return parts.joined(separator: ": ")
    }

    private func prefixed(_ subject: String?, _ message: String) -> String {
        subject.map { "\($0): \(message)" } ?? message
    }
}

/// What an internal operation is working on; turns a kind of failure into a full `HDF5Error`.
struct Subject {
    let file: String
    let object: String?
    let attribute: String?

    init(file: String, object: String? = nil, attribute: String? = nil) {
        self.file = file
        self.object = object
        self.attribute = attribute
    }

    func error(_ kind: HDF5Error.Kind) -> HDF5Error {
        HDF5Error(file: file, object: object, attribute: attribute, kind: kind)
    }

    /// Throws `callFailed(function)` when a libhdf5 status (herr_t, htri_t, ssize_t) is negative.
    @discardableResult
    func check<Status: BinaryInteger>(_ status: Status, _ function: String) throws -> Status {
        if status < 0 { throw error(.callFailed(function)) }
        return status
    }
}
