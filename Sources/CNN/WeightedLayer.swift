/// A layer with a kernel and an optional bias (Conv2D, DepthwiseConv2D, Dense), whose backward
/// kernels all take the same six pointers.
protocol WeightedLayer: Layer {
    var kernel: Parameter { get }
    var bias: Parameter? { get }
}

extension WeightedLayer {
    /// Calls `body(input, kernel, outputGradient, kernelGradient, biasGradient, inputGradient)`;
    /// the parameter gradients are nil when the layer is frozen (or has no bias), the input
    /// gradient is nil when `inputGradient` is.
    func withBackwardPointers(
        input: Tensor, outputGradient: Tensor, inputGradient: inout Tensor?,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                 UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void
    ) {
        input.withPointer { x in
            kernel.value.withPointer { w in
                outputGradient.withPointer { dy in
                    kernel.withGradientPointer(enabled: isTrainable) { dw in
                        bias.withGradientPointer(enabled: isTrainable) { db in
                            inputGradient.withMutablePointer { dx in body(x, w, dy, dw, db, dx) }
                        }
                    }
                }
            }
        }
    }
}

extension Conv2D: WeightedLayer {}
extension DepthwiseConv2D: WeightedLayer {}
extension Dense: WeightedLayer {}
