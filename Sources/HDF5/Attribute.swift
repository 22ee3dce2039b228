import CHDF5

/// Attributes of files (their root group), groups and datasets.
///
/// Reading accepts what h5py and Keras write: scalars and 1-D arrays; numbers of any integer
/// or float type (converted by libhdf5); fixed-length byte strings ('S8', NUL-padded) and
/// variable-length strings, ASCII or UTF-8.
extension Object {
    /// The largest attribute Keras stores in one piece: an attribute must fit in a 64 KiB object
    /// header message, and Keras keeps this margin below it. Larger string arrays are split.
    public static var attributeSizeLimit: Int { 64512 }

    // MARK: Listing

    /// The attribute names in alphabetical order (h5py does not track attribute creation order,
    /// so files give no other order to rely on).
    public func attributeNames() throws -> [String] {
        let subject = self.subject
        let count = Library.call { tl_H5O_num_attrs(id) }
        try subject.check(count, "H5Oget_info")
        return try (0..<count).map { index in
            try Library.call {
                let length = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0,
                                                tl_H5P_DEFAULT())
                try subject.check(length, "H5Aget_name_by_idx")
                var name = [CChar](repeating: 0, count: length + 1)
                try subject.check(H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &name,
                                                     name.count, tl_H5P_DEFAULT()), "H5Aget_name_by_idx")
                return String(cString: name)
            }
        }
    }

    public func hasAttribute(named name: String) throws -> Bool {
        let exists = Library.call { H5Aexists(id, name) }
        try subject(attribute: name).check(exists, "H5Aexists")
        return exists > 0
    }

    public func attributeType(named name: String) throws -> ElementType {
        try withAttribute(named: name) { try $0.elementType() }
    }

    /// [] for a scalar attribute.
    public func attributeShape(named name: String) throws -> [Int] {
        try withAttribute(named: name) { try $0.shape() }
    }

    // MARK: Reading strings

    /// A string stored as a scalar or as a one-element array, fixed- or variable-length.
    public func stringAttribute(named name: String) throws -> String {
        let strings = try withAttribute(named: name) { try $0.readStrings() }
        guard strings.count == 1 else {
            throw subject(attribute: name).error(.countMismatch(expected: 1, actual: strings.count))
        }
        return strings[0]
    }

    /// The strings of a string attribute (a scalar gives one string, an empty array none).
    ///
    /// When `name` is absent but `name0`, `name1`, ... exist, returns their concatenation in
    /// order: Keras splits attributes such as `layer_names` this way when they would not fit in
    /// the object header.
    public func stringArrayAttribute(named name: String) throws -> [String] {
        if try hasAttribute(named: name) {
            return try withAttribute(named: name) { try $0.readStrings() }
        }
        var strings: [String] = []
        var part = 0
        while try hasAttribute(named: "\(name)\(part)") {
            strings += try withAttribute(named: "\(name)\(part)") { try $0.readStrings() }
            part += 1
        }
        guard part > 0 else { throw subject(attribute: name).error(.notFound(what: "attribute")) }
        return strings
    }

    // MARK: Reading numbers

    /// Numbers of any integer or float type, converted to Double.
    public func doubleArrayAttribute(named name: String) throws -> [Double] {
        let type = NumericType.float64
        return try withAttribute(named: name) {
            try $0.readNumbers(as: Double.self, memoryType: type.memory, integerOnly: false)
        }
    }

    /// Numbers of any integer or float type, converted to Float.
    public func floatArrayAttribute(named name: String) throws -> [Float] {
        let type = NumericType.float32
        return try withAttribute(named: name) {
            try $0.readNumbers(as: Float.self, memoryType: type.memory, integerOnly: false)
        }
    }

    /// Integers of any width; float attributes are refused rather than truncated.
    public func intArrayAttribute(named name: String) throws -> [Int] {
        let type = NumericType.int64
        return try withAttribute(named: name) {
            try $0.readNumbers(as: Int64.self, memoryType: type.memory, integerOnly: true)
        }.map { Int($0) }
    }

    public func doubleAttribute(named name: String) throws -> Double {
        try single(try doubleArrayAttribute(named: name), attribute: name)
    }

    public func intAttribute(named name: String) throws -> Int {
        try single(try intArrayAttribute(named: name), attribute: name)
    }

    // MARK: Writing

    /// Writes a scalar variable-length UTF-8 string, as h5py does for a Python `str`;
    /// replaces any attribute of that name.
    public func setAttribute(named name: String, to value: String) throws {
        try withStringData([value], storage: .variableLength, subject: subject(attribute: name)) { type, _, buffer in
            try writeAttribute(named: name, shape: [], count: 1, type: type, memoryType: type, buffer: buffer)
        }
    }

    /// Writes a 1-D string array, by default fixed-length NUL-padded as Keras does for
    /// `layer_names` and `weight_names`. Replaces any attribute of that name and any earlier
    /// split parts; an array too large for one object header is split into `name0`, `name1`, ...
    /// the way Keras does, so `stringArrayAttribute(named:)` and Keras read it back whole.
    public func setAttribute(named name: String, to values: [String], storage: StringStorage = .fixedLength) throws {
        let subject = self.subject(attribute: name)
        let elementSize = storage == .fixedLength ? max(1, values.map(\.utf8.count).max() ?? 1) : 16
        let limit = Self.attributeSizeLimit
        guard elementSize <= limit else {
            throw subject.error(.invalidArgument("a string of \(elementSize) bytes exceeds the \(limit)-byte attribute limit"))
        }
        try deleteAttributeAndParts(named: name)
        if values.count * elementSize <= limit {
            try writeStrings(values, named: name, storage: storage)
            return
        }
        // The fewest near-equal parts that each fit; the first `count % parts` parts hold one more.
        let perPart = limit / elementSize
        let parts = (values.count + perPart - 1) / perPart
        var start = 0
        for part in 0..<parts {
            let size = values.count / parts + (part < values.count % parts ? 1 : 0)
            try writeStrings(Array(values[start..<(start + size)]), named: "\(name)\(part)", storage: storage)
            start += size
        }
    }

    public func setAttribute(named name: String, to value: Double) throws {
        try setNumbers([value], shape: [], named: name, type: .float64)
    }

    public func setAttribute(named name: String, to value: Float) throws {
        try setNumbers([value], shape: [], named: name, type: .float32)
    }

    /// Stored as int64.
    public func setAttribute(named name: String, to value: Int) throws {
        try setNumbers([Int64(value)], shape: [], named: name, type: .int64)
    }

    public func setAttribute(named name: String, to value: Int32) throws {
        try setNumbers([value], shape: [], named: name, type: .int32)
    }

    public func setAttribute(named name: String, to value: Int64) throws {
        try setNumbers([value], shape: [], named: name, type: .int64)
    }

    public func setAttribute(named name: String, to values: [Double]) throws {
        try setNumbers(values, shape: [values.count], named: name, type: .float64)
    }

    public func setAttribute(named name: String, to values: [Float]) throws {
        try setNumbers(values, shape: [values.count], named: name, type: .float32)
    }

    /// Stored as int64.
    public func setAttribute(named name: String, to values: [Int]) throws {
        try setNumbers(values.map { Int64($0) }, shape: [values.count], named: name, type: .int64)
    }

    public func setAttribute(named name: String, to values: [Int32]) throws {
        try setNumbers(values, shape: [values.count], named: name, type: .int32)
    }

    public func setAttribute(named name: String, to values: [Int64]) throws {
        try setNumbers(values, shape: [values.count], named: name, type: .int64)
    }

    public func deleteAttribute(named name: String) throws {
        guard try hasAttribute(named: name) else {
            throw subject(attribute: name).error(.notFound(what: "attribute"))
        }
        try subject(attribute: name).check(Library.call { H5Adelete(id, name) }, "H5Adelete")
    }

    // MARK: Internals

    func subject(attribute: String) -> Subject {
        Subject(file: filePath, object: objectPath, attribute: attribute)
    }

    /// Opens the attribute with its type and space for the duration of `body`.
    private func withAttribute<Result>(named name: String, _ body: (ValueSource) throws -> Result) throws -> Result {
        let subject = self.subject(attribute: name)
        guard try hasAttribute(named: name) else { throw subject.error(.notFound(what: "attribute")) }
        let attribute = Library.call { H5Aopen(id, name, tl_H5P_DEFAULT()) }
        try subject.check(attribute, "H5Aopen")
        defer { Library.call { _ = H5Aclose(attribute) } }
        let type = Library.call { H5Aget_type(attribute) }
        try subject.check(type, "H5Aget_type")
        defer { Library.call { _ = H5Tclose(type) } }
        let space = Library.call { H5Aget_space(attribute) }
        try subject.check(space, "H5Aget_space")
        defer { Library.call { _ = H5Sclose(space) } }
        let source = ValueSource(subject: subject, type: type, space: space) { memoryType, buffer in
            H5Aread(attribute, memoryType, buffer)
        }
        return try body(source)
    }

    private func single<Value>(_ values: [Value], attribute name: String) throws -> Value {
        guard values.count == 1 else {
            throw subject(attribute: name).error(.countMismatch(expected: 1, actual: values.count))
        }
        return values[0]
    }

    private func deleteAttributeAndParts(named name: String) throws {
        if try hasAttribute(named: name) {
            try subject(attribute: name).check(Library.call { H5Adelete(id, name) }, "H5Adelete")
        }
        var part = 0
        while try hasAttribute(named: "\(name)\(part)") {
            try subject(attribute: "\(name)\(part)").check(Library.call { H5Adelete(id, "\(name)\(part)") },
                                                           "H5Adelete")
            part += 1
        }
    }

    private func writeStrings(_ values: [String], named name: String, storage: StringStorage) throws {
        try withStringData(values, storage: storage, subject: subject(attribute: name)) { type, _, buffer in
            try writeAttribute(named: name, shape: [values.count], count: values.count, type: type,
                               memoryType: type, buffer: buffer)
        }
    }

    private func setNumbers<T>(_ values: [T], shape: [Int], named name: String, type: NumericType) throws {
        let bytes = values.count * MemoryLayout<T>.stride
        guard bytes <= Self.attributeSizeLimit else {
            throw subject(attribute: name).error(.invalidArgument(
                "\(bytes) bytes exceed the \(Self.attributeSizeLimit)-byte attribute limit; use a dataset"))
        }
        try values.withUnsafeBytes { raw in
            try writeAttribute(named: name, shape: shape, count: values.count, type: type.file,
                               memoryType: type.memory, buffer: values.isEmpty ? nil : raw.baseAddress)
        }
    }

    /// Replaces the attribute `name` with one of `type` and `shape`, written from `buffer`
    /// (nil only when there are no elements).
    private func writeAttribute(named name: String, shape: [Int], count: Int, type: hid_t, memoryType: hid_t,
                                buffer: UnsafeRawPointer?) throws {
        let subject = self.subject(attribute: name)
        if try hasAttribute(named: name) {
            try subject.check(Library.call { H5Adelete(id, name) }, "H5Adelete")
        }
        try withSpace(shape: shape, count: count, subject: subject) { space in
            let attribute = Library.call { H5Acreate2(id, name, type, space, tl_H5P_DEFAULT(), tl_H5P_DEFAULT()) }
            try subject.check(attribute, "H5Acreate2")
            defer { Library.call { _ = H5Aclose(attribute) } }
            if let buffer {
                try subject.check(Library.call { H5Awrite(attribute, memoryType, buffer) }, "H5Awrite")
            }
        }
    }
}
