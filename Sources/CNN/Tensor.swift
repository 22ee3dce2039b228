/// A dense float32 array in row-major order. Images are NHWC: `(N, H, W, C)`.
///
/// A value type with copy-on-write storage: layers pass tensors around freely and
/// only hot loops reach for the underlying buffer.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Leaves the contents to `body`, which must write every element.
    public init(shape: [Int], initializingWith body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let count = shape.reduce(1, *)
        let scalars = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try body(buffer)
            initialized = count
        }
        self.init(shape: shape, scalars: scalars)
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    public mutating func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == scalars.count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// Sets every element to zero, keeping the allocation.
    public mutating func zero() {
        scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// Batch size for NHWC and (N, D) tensors.
    public var batchSize: Int { shape.first ?? 0 }

    /// Elements per sample (everything but the leading batch dimension).
    public var sampleCount: Int { shape.dropFirst().reduce(1, *) }

    /// Adds `other` element by element; shapes must match.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "cannot add \(other.shape) to \(shape)")
        scalars.withUnsafeMutableBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// Samples `range` of the batch dimension, as a new tensor.
    public func batch(_ range: Range<Int>) -> Tensor {
        let per = sampleCount
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    /// Stacks tensors of equal shape along a new leading batch dimension... or concatenates
    /// along the existing one when they already have it.
    public static func concatenatingBatches(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0]) }
        var shape = first.shape
        shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
        var scalars = [Float]()
        scalars.reserveCapacity(shape.reduce(1, *))
        for part in parts {
            precondition(Array(part.shape.dropFirst()) == Array(first.shape.dropFirst()),
                         "cannot concatenate \(part.shape) with \(first.shape)")
            scalars.append(contentsOf: part.scalars)
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

extension Tensor {
    /// Base address of the scalars, for kernels taking raw pointers.
    @inlinable
    public func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
    }

    @inlinable
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) }
    }
}

extension Optional where Wrapped == Tensor {
    /// The scalars' address when there is a tensor, nil otherwise: an optional kernel input.
    @inlinable
    public func withPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard let tensor = self else { return try body(nil) }
        return try tensor.withPointer { try body($0) }
    }

    /// The scalars' address when there is a tensor, nil otherwise: lets a kernel skip a gradient.
    @inlinable
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
        switch self {
        case .none:
            return try body(nil)
        case .some(var tensor):
            self = nil  // keeps the buffer uniquely referenced, so no copy on write
            defer { self = tensor }
            return try tensor.withMutablePointer { try body($0) }
        }
    }
}

extension Optional where Wrapped == Parameter {
    /// Gradient storage of an optional parameter (a bias) when it exists and is to be trained.
    @inlinable
    public func withGradientPointer<R>(enabled: Bool, _ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
        guard let parameter = self else { return try body(nil) }
        return try parameter.withGradientPointer(enabled: enabled, body)
    }
}

extension Parameter {
    /// Gradient storage when this parameter is to be trained, nil otherwise.
    @inlinable
    public func withGradientPointer<R>(enabled: Bool, _ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
        guard enabled && isTrainable else { return try body(nil) }
        return try gradient.withMutablePointer { try body($0) }
    }
}
