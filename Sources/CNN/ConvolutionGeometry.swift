/// Kernel size, strides, dilation and padding of a 2-D convolution or pooling window.
public struct ConvolutionGeometry: Equatable, Sendable {
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var dilationY: Int
    public var dilationX: Int
    public var padding: Padding

    public init(kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                dilationY: Int = 1, dilationX: Int = 1, padding: Padding = .valid) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.padding = padding
    }

    /// Refuses what TensorFlow refuses too, so nothing is ever computed wrongly.
    public func validate(layer: String) throws {
        guard kernelHeight > 0, kernelWidth > 0, strideY > 0, strideX > 0, dilationY > 0, dilationX > 0 else {
            throw EngineError.invalidConfiguration(layer: layer, reason: "kernel, strides and dilation must be positive")
        }
        if (strideY > 1 || strideX > 1) && (dilationY > 1 || dilationX > 1) {
            throw EngineError.invalidConfiguration(layer: layer, reason: "strides > 1 together with dilation > 1 is not supported")
        }
    }
}

/// Every size a convolution kernel needs, computed once per call.
public struct ConvolutionSizes: Sendable {
    public let batch, height, width, inputChannels, outputChannels: Int
    public let geometry: ConvolutionGeometry
    public let outputHeight, outputWidth, padTop, padLeft: Int

    /// `border` is zero padding around the input that the kernels read as zeros without
    /// it being stored (a `ZeroPadding2D` folded into this convolution); H and W are the
    /// unpadded input's.
    public init(batch: Int, height: Int, width: Int, inputChannels: Int, outputChannels: Int, geometry: ConvolutionGeometry,
                border: ZeroBorder = .none) {
        self.batch = batch
        self.height = height
        self.width = width
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.geometry = geometry
        let rows = AxisGeometry(input: height + border.top + border.bottom, kernel: geometry.kernelHeight,
                                stride: geometry.strideY, dilation: geometry.dilationY, padding: geometry.padding)
        let columns = AxisGeometry(input: width + border.left + border.right, kernel: geometry.kernelWidth,
                                   stride: geometry.strideX, dilation: geometry.dilationX, padding: geometry.padding)
        outputHeight = rows.output
        outputWidth = columns.output
        padTop = rows.before + border.top
        padLeft = columns.before + border.left
    }

    /// Rows of the im2col matrix: one per output pixel.
    public var outputPixels: Int { batch * outputHeight * outputWidth }
    /// Columns of the im2col matrix: one per kernel tap and input channel.
    public var patchSize: Int { geometry.kernelHeight * geometry.kernelWidth * inputChannels }

    /// A 1×1 stride-1 unpadded convolution is a plain matrix product of the input.
    public var isPointwise: Bool {
        geometry.kernelHeight == 1 && geometry.kernelWidth == 1 && geometry.strideY == 1 && geometry.strideX == 1
            && padTop == 0 && padLeft == 0 && outputHeight == height && outputWidth == width
    }
}

/// Zero padding on the four sides of an image, in pixels.
public struct ZeroBorder: Equatable, Sendable {
    public var top, bottom, left, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    public static let none = ZeroBorder(top: 0, bottom: 0, left: 0, right: 0)

    /// The (H, W, C) shape of `shape` (H, W, C) with the border added.
    func padded(_ shape: [Int]) -> [Int] {
        guard shape.count == 3 else { return shape }
        return [shape[0] + top + bottom, shape[1] + left + right, shape[2]]
    }
}
