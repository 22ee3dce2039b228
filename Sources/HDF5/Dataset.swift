import CHDF5

/// A dataset: an n-dimensional array of one element type.
///
/// Numbers are converted by libhdf5 into the requested native type, after the element count is
/// checked, so a float64 or int dataset reads as `[Float]` as readily as a float32 one.
public final class Dataset: Object, @unchecked Sendable {
    /// [] for a scalar dataset, as it was when opened (only a `RowAppender` grows a dataset, while writing it).
    public let shape: [Int]
    public let elementType: ElementType

    public var elementCount: Int { shape.reduce(1, *) }

    /// Takes ownership of `id`, closing it if describing it fails.
    init(owning id: hid_t, filePath: String, objectPath: String) throws {
        let subject = Subject(file: filePath, object: objectPath)
        do {
            (shape, elementType) = try Dataset.withSource(id, subject: subject) { source in
                (try source.shape(), try source.elementType())
            }
        } catch {
            Library.call { _ = H5Dclose(id) }
            throw error
        }
        super.init(owning: id, kind: .dataset, filePath: filePath, objectPath: objectPath)
    }

    /// Numbers of any integer or float type, converted to Float.
    public func readFloats() throws -> [Float] {
        let type = NumericType.float32
        return try withSource { try $0.readNumbers(as: Float.self, memoryType: type.memory, integerOnly: false) }
    }

    /// Reads into `buffer`, which must hold exactly `elementCount` floats (e.g. a tensor's storage).
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws {
        let type = NumericType.float32
        try withSource { try $0.readNumbers(into: buffer, memoryType: type.memory) }
    }

    /// Numbers of any integer or float type, converted to Double.
    public func readDoubles() throws -> [Double] {
        let type = NumericType.float64
        return try withSource { try $0.readNumbers(as: Double.self, memoryType: type.memory, integerOnly: false) }
    }

    /// Integers of any width (libhdf5 clamps values outside Int32's range); floats are refused.
    public func readInt32s() throws -> [Int32] {
        let type = NumericType.int32
        return try withSource { try $0.readNumbers(as: Int32.self, memoryType: type.memory, integerOnly: true) }
    }

    /// Integers of any width; floats are refused rather than truncated.
    public func readInt64s() throws -> [Int64] {
        let type = NumericType.int64
        return try withSource { try $0.readNumbers(as: Int64.self, memoryType: type.memory, integerOnly: true) }
    }

    /// Integers of any width; floats are refused rather than truncated.
    public func readInts() throws -> [Int] {
        try readInt64s().map { Int($0) }
    }

    /// Fixed- or variable-length strings, in row-major order.
    public func readStrings() throws -> [String] {
        try withSource { try $0.readStrings() }
    }

    // MARK: Internals

    private func withSource<Result>(_ body: (ValueSource) throws -> Result) throws -> Result {
        try Dataset.withSource(id, subject: subject, body)
    }

    /// Opens the dataset's type and dataspace for the duration of `body`.
    private static func withSource<Result>(_ dataset: hid_t, subject: Subject,
                                           _ body: (ValueSource) throws -> Result) throws -> Result {
        let type = Library.call { H5Dget_type(dataset) }
        try subject.check(type, "H5Dget_type")
        defer { Library.call { _ = H5Tclose(type) } }
        let space = Library.call { H5Dget_space(dataset) }
        try subject.check(space, "H5Dget_space")
        defer { Library.call { _ = H5Sclose(space) } }
        let source = ValueSource(subject: subject, type: type, space: space) { memoryType, buffer in
            H5Dread(dataset, memoryType, tl_H5S_ALL(), tl_H5S_ALL(), tl_H5P_DEFAULT(), buffer)
        }
        return try body(source)
    }
}
