import CHDF5
import Foundation

// The reading and writing shared by datasets and attributes: both are "a datatype, a dataspace
// and a read or write call", and differ only in which H5D/H5A function moves the bytes.

/// An open dataset or attribute to read from. The caller owns `type` and `space`.
struct ValueSource {
    let subject: Subject
    let type: hid_t
    let space: hid_t
    /// Reads every element, converted to `memoryType`, into `buffer`. Called with the lock held.
    let read: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t

    func elementType() throws -> ElementType {
        try Library.call { try ElementType(describing: type, subject: subject) }
    }

    func shape() throws -> [Int] {
        try shapeOfSpace(space, subject: subject)
    }

    func elementCount() throws -> Int {
        let count = Library.call { H5Sget_simple_extent_npoints(space) }
        try subject.check(count, "H5Sget_simple_extent_npoints")
        return Int(count)
    }

    /// Reads numbers converted by libhdf5 into `T` (whose native HDF5 type is `memoryType`).
    /// Integers are read only from integer data, because libhdf5 would silently truncate floats.
    func readNumbers<T: Numeric>(as _: T.Type, memoryType: hid_t, integerOnly: Bool) throws -> [T] {
        let count = try elementCount()
        // Keras writes an empty float64 array for "no weight names"; empty is empty whatever its type.
        if count == 0 { return [] }
        let stored = try elementType()
        let accepted: Bool
        switch stored {
        case .integer: accepted = true
        case .float: accepted = !integerOnly
        default: accepted = false
        }
        guard accepted else {
            throw subject.error(.typeMismatch(expected: integerOnly ? "integer data" : "numeric data",
                                              actual: stored.description))
        }
        var values = [T](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes { bytes in
            Library.call { read(memoryType, bytes.baseAddress!) }
        }
        try subject.check(status, "read")
        return values
    }

    /// Reads into caller memory of exactly the element count, so large weights need no extra copy.
    func readNumbers<T: Numeric>(into buffer: UnsafeMutableBufferPointer<T>, memoryType: hid_t) throws {
        let count = try elementCount()
        guard buffer.count == count else {
            throw subject.error(.countMismatch(expected: buffer.count, actual: count))
        }
        if count == 0 { return }
        let stored = try elementType()
        guard stored.isNumeric else {
            throw subject.error(.typeMismatch(expected: "numeric data", actual: stored.description))
        }
        let status = Library.call { read(memoryType, UnsafeMutableRawPointer(buffer.baseAddress!)) }
        try subject.check(status, "read")
    }

    func readStrings() throws -> [String] {
        let count = try elementCount()
        if count == 0 { return [] }
        switch try elementType() {
        case .variableLengthString:
            return try readVariableLengthStrings(count: count)
        case let .fixedLengthString(bytes):
            return try readFixedLengthStrings(count: count, length: bytes)
        case let other:
            throw subject.error(.typeMismatch(expected: "strings", actual: other.description))
        }
    }

    private func readFixedLengthStrings(count: Int, length: Int) throws -> [String] {
        let memoryType = Library.call { H5Tcopy(type) }
        try subject.check(memoryType, "H5Tcopy")
        defer { Library.call { _ = H5Tclose(memoryType) } }
        let padding = Library.call { H5Tget_strpad(memoryType) }
        var bytes = [UInt8](repeating: 0, count: count * length)
        let status = bytes.withUnsafeMutableBytes { raw in Library.call { read(memoryType, raw.baseAddress!) } }
        try subject.check(status, "read")
        return (0..<count).map { index in
            var field = bytes[(index * length)..<((index + 1) * length)]
            if padding == H5T_STR_SPACEPAD {
                while field.last == 0x20 { field = field.dropLast() }
            } else if let end = field.firstIndex(of: 0) {
                // NULLTERM and NULLPAD both end at the first NUL (numpy 'S' strips trailing NULs).
                field = field[..<end]
            }
            return String(decoding: field, as: UTF8.self)
        }
    }

    private func readVariableLengthStrings(count: Int) throws -> [String] {
        // The memory type must match the stored character set: libhdf5 refuses ASCII <-> UTF-8.
        let memoryType = Library.call { H5Tcopy(tl_H5T_C_S1()) }
        try subject.check(memoryType, "H5Tcopy")
        defer { Library.call { _ = H5Tclose(memoryType) } }
        try subject.check(Library.call { H5Tset_size(memoryType, tl_H5T_VARIABLE()) }, "H5Tset_size")
        try subject.check(Library.call { H5Tset_cset(memoryType, H5Tget_cset(type)) }, "H5Tset_cset")
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        return try pointers.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            try subject.check(Library.call { read(memoryType, base) }, "read")
            // libhdf5 allocated every string; give them back on every path out.
            defer { Library.call { _ = tl_H5_reclaim(memoryType, space, base) } }
            return buffer.map { pointer in pointer.map { String(cString: $0) } ?? "" }
        }
    }
}

/// The shape of a dataspace: [] for a scalar, [0] for a null dataspace.
func shapeOfSpace(_ space: hid_t, subject: Subject) throws -> [Int] {
    try Library.call {
        let spaceClass = H5Sget_simple_extent_type(space)
        if spaceClass == H5S_NULL { return [0] }
        let rank = H5Sget_simple_extent_ndims(space)
        try subject.check(rank, "H5Sget_simple_extent_ndims")
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try subject.check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims")
        return dims.map { Int($0) }
    }
}

/// How an array of strings is stored.
public enum StringStorage: Sendable {
    /// Every string padded with NULs to the longest one (numpy 'S' dtype; what Keras writes).
    case fixedLength
    /// Each string on its own in the file's heap, UTF-8 (h5py's default for Python `str`).
    case variableLength
}

/// Builds the string datatype for `strings` and hands it, with the element bytes laid out for
/// libhdf5 and the bytes one element takes in an object header, to `body`. The buffer is nil
/// for an empty array, which libhdf5 would reject as a null write buffer anyway.
func withStringData<Result>(_ strings: [String], storage: StringStorage, subject: Subject,
                            _ body: (_ type: hid_t, _ elementSize: Int, _ buffer: UnsafeRawPointer?) throws -> Result)
    throws -> Result {
    let type = Library.call { H5Tcopy(tl_H5T_C_S1()) }
    try subject.check(type, "H5Tcopy")
    defer { Library.call { _ = H5Tclose(type) } }
    let encoded = strings.map { Array($0.utf8) }
    switch storage {
    case .fixedLength:
        // numpy has no zero-length 'S' type, so the field is at least one byte.
        let length = max(1, encoded.map(\.count).max() ?? 1)
        let ascii = encoded.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
        try subject.check(Library.call { H5Tset_size(type, length) }, "H5Tset_size")
        try subject.check(Library.call { H5Tset_strpad(type, H5T_STR_NULLPAD) }, "H5Tset_strpad")
        try subject.check(Library.call { H5Tset_cset(type, ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8) },
                          "H5Tset_cset")
        var bytes = [UInt8](repeating: 0, count: strings.count * length)
        for (index, string) in encoded.enumerated() {
            bytes.replaceSubrange((index * length)..<(index * length + string.count), with: string)
        }
        return try bytes.withUnsafeBytes { try body(type, length, strings.isEmpty ? nil : $0.baseAddress) }
    case .variableLength:
        try subject.check(Library.call { H5Tset_size(type, tl_H5T_VARIABLE()) }, "H5Tset_size")
        try subject.check(Library.call { H5Tset_cset(type, H5T_CSET_UTF8) }, "H5Tset_cset")
        let pointers = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        // Each element is a global heap ID (16 bytes) in the object header.
        return try pointers.withUnsafeBytes { try body(type, 16, strings.isEmpty ? nil : $0.baseAddress) }
    }
}

/// Creates a dataspace for `shape` ([] means a scalar) after checking it holds `count` elements,
/// hands it to `body` and closes it.
func withSpace<Result>(shape: [Int], count: Int, subject: Subject, _ body: (hid_t) throws -> Result) throws -> Result {
    guard shape.allSatisfy({ $0 >= 0 }) else {
        throw subject.error(.invalidArgument("negative dimension in shape \(shape)"))
    }
    let expected = shape.reduce(1, *)
    guard expected == count else { throw subject.error(.countMismatch(expected: expected, actual: count)) }
    let space: hid_t
    if shape.isEmpty {
        space = Library.call { H5Screate(H5S_SCALAR) }
    } else {
        let sizes = shape.map { hsize_t($0) }
        space = Library.call { H5Screate_simple(Int32(sizes.count), sizes, nil) }
    }
    try subject.check(space, "H5Screate")
    defer { Library.call { _ = H5Sclose(space) } }
    return try body(space)
}

/// The file and memory types of a Swift numeric type written to disk. File types are fixed
/// little-endian (numpy's defaults) so files read the same everywhere; memory types are native.
/// The getters run under the lock because HDF5's type macros call H5open().
struct NumericType {
    let file: hid_t
    let memory: hid_t

    static var float32: NumericType { Library.call { NumericType(file: tl_H5T_IEEE_F32LE(), memory: tl_H5T_NATIVE_FLOAT()) } }
    static var float64: NumericType { Library.call { NumericType(file: tl_H5T_IEEE_F64LE(), memory: tl_H5T_NATIVE_DOUBLE()) } }
    static var int32: NumericType { Library.call { NumericType(file: tl_H5T_STD_I32LE(), memory: tl_H5T_NATIVE_INT32()) } }
    static var int64: NumericType { Library.call { NumericType(file: tl_H5T_STD_I64LE(), memory: tl_H5T_NATIVE_INT64()) } }
}
