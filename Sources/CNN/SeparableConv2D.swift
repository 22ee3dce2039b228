/// Keras `SeparableConv2D`: a depthwise convolution (no bias) followed by a 1×1
/// convolution with bias. Weights in Keras order: depthwise_kernel (KH, KW, C, M),
/// pointwise_kernel (1, 1, C·M, F), bias (F).
///
/// Built from the two engine layers so it shares their tested kernels.
public final class SeparableConv2D: UnaryLayer {
    public let name: String
    public let depthwise: DepthwiseConv2D
    public let pointwise: Conv2D
    public var isTrainable = true {
        didSet {
            depthwise.isTrainable = isTrainable
            pointwise.isTrainable = isTrainable
        }
    }

    public init(name: String, inputChannels: Int, filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
                dilation: (Int, Int) = (1, 1), padding: Padding = .valid, depthMultiplier: Int = 1,
                useBias: Bool = true) throws {
        self.name = name
        depthwise = try DepthwiseConv2D(name: name, inputChannels: inputChannels, kernelSize: kernelSize,
                                        strides: strides, dilation: dilation, padding: padding,
                                        depthMultiplier: depthMultiplier, useBias: false)
        pointwise = try Conv2D(name: name, inputChannels: inputChannels * depthMultiplier, filters: filters,
                               kernelSize: (1, 1), useBias: useBias, kernelName: "pointwise_kernel")
    }

    public var parameters: [Parameter] { depthwise.parameters + pointwise.parameters }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try pointwise.outputShape(for: depthwise.outputShape(for: inputShape))
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try pointwise.forward(depthwise.forward(input, training: training), training: training)
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard let middle = try pointwise.backward(outputGradient, inputGradient: true) else { return nil }
        return try depthwise.backward(middle, inputGradient: inputGradient)
    }
}
