/// A decoded picture in the layout of one NHWC sample: `height × width × 3` RGB floats,
/// row-major with channels last, values in [0, 255].
///
/// Values are floats rather than bytes so that 16-bit sources keep their precision
/// (a 16-bit sample `v` becomes `v / 65535 × 255`) and so that resizing, compositing and
/// preprocessing never round on the way to the network.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `pixels[(y × width + x) × 3 + c]`, with c = 0, 1, 2 for red, green, blue.
    public private(set) var pixels: [Float]

    /// Always 3: every decoded image is RGB, whatever the file held.
    public var channels: Int { 3 }

    /// `[height, width, channels]`, the shape of one sample of an NHWC tensor.
    public var shape: [Int] { [height, width, channels] }

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        precondition(pixels.count == width * height * 3,
                     "a \(width)×\(height) RGB image needs \(width * height * 3) values, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Leaves the contents to `body`, which must write every one of `width × height × 3` values.
    public init(width: Int, height: Int,
                initializingWith body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        let count = width * height * 3
        let pixels = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try body(buffer)
            initialized = count
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    public subscript(y: Int, x: Int, channel: Int) -> Float {
        get { pixels[(y * width + x) * 3 + channel] }
        set { pixels[(y * width + x) * 3 + channel] = newValue }
    }

    /// In-place access for resizers and augmenters; the element count cannot change.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try pixels.withUnsafeMutableBufferPointer { try body($0) }
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try pixels.withUnsafeBufferPointer(body)
    }
}
