import CHDF5

/// The stored type of one element of a dataset or attribute.
public enum ElementType: Equatable, Sendable, CustomStringConvertible {
    case float(bits: Int)
    case integer(bits: Int, signed: Bool)
    /// A fixed-length byte string such as numpy's 'S8' (`bytes` is the stored length).
    case fixedLengthString(bytes: Int)
    case variableLengthString
    /// Anything this library does not read (compound, enum, reference, ...), with HDF5's class name.
    case other(String)

    public var isNumeric: Bool {
        switch self {
        case .float, .integer: return true
        default: return false
        }
    }

    public var isString: Bool {
        switch self {
        case .fixedLengthString, .variableLengthString: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .float(bits): return "float\(bits)"
        case let .integer(bits, signed): return (signed ? "int" : "uint") + "\(bits)"
        case let .fixedLengthString(bytes): return "fixed-length string (\(bytes) bytes)"
        case .variableLengthString: return "variable-length string"
        case let .other(name): return name
        }
    }
}

extension ElementType {
    /// Describes an open datatype. The caller owns `type`. Must be called with the library lock held.
    init(describing type: hid_t, subject: Subject) throws {
        let typeClass = H5Tget_class(type)
        let size = Int(H5Tget_size(type))
        switch typeClass {
        case H5T_FLOAT:
            self = .float(bits: size * 8)
        case H5T_INTEGER:
            self = .integer(bits: size * 8, signed: H5Tget_sign(type) != H5T_SGN_NONE)
        case H5T_STRING:
            let variable = H5Tis_variable_str(type)
            guard variable >= 0 else { throw subject.error(.callFailed("H5Tis_variable_str")) }
            self = variable > 0 ? .variableLengthString : .fixedLengthString(bytes: size)
        case H5T_NO_CLASS:
            throw subject.error(.callFailed("H5Tget_class"))
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ENUM: self = .other("enum")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_VLEN: self = .other("variable-length sequence")
        case H5T_ARRAY: self = .other("array")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_BITFIELD: self = .other("bitfield")
        case H5T_TIME: self = .other("time")
        default: self = .other("unknown type class \(typeClass.rawValue)")
        }
    }
}
