import CNN
import Foundation

/// Depthwise 3×3 convolutions do 9 multiply-adds per input element: they are bound by
/// memory traffic, so their yardstick is a plain copy of the same bytes in the same run.
func runDepthwiseBenchmark(_ arguments: BenchmarkArguments) {
    print("## DepthwiseConv2D 3x3 forward vs memory bandwidth (MobileNet shapes)")
    print("| shape | depthwise GB/s | copy GB/s | ratio | GFLOP/s |")
    print("|---|---:|---:|---:|---:|")
    var generator = SeededGenerator(seed: 2)
    let shapes: [(String, Int, Int, Int)] = [
        ("112x112x32 s1", 112, 32, 1), ("112x112x96 s2", 112, 96, 2), ("56x56x144 s1", 56, 144, 1),
        ("28x28x192 s1", 28, 192, 1), ("14x14x576 s1", 14, 576, 1), ("7x7x960 s1", 7, 960, 1),
    ]
    for (label, size, channels, stride) in shapes {
        let layer = try! DepthwiseConv2D(name: "dw", inputChannels: channels, kernelSize: (3, 3),
                                         strides: (stride, stride), padding: .same, useBias: false)
        layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape)
        let input = generator.uniformTensor(shape: [arguments.batch, size, size, channels])
        let outputSize = (size + stride - 1) / stride
        let outputCount = arguments.batch * outputSize * outputSize * channels
        let bytes = Double(input.count + outputCount) * 4
        let seconds = medianSeconds(repetitions: arguments.repetitions) {
            _ = try! layer.forward(input, training: false)
        }
        // The copy reads the input and writes as many bytes as the convolution writes.
        var destination = [Float](repeating: 0, count: outputCount)
        let copySeconds = medianSeconds(repetitions: arguments.repetitions) {
            input.scalars.withUnsafeBufferPointer { source in
                destination.withUnsafeMutableBufferPointer { target in
                    let count = min(source.count, target.count)
                    target.baseAddress!.update(from: source.baseAddress!, count: count)
                    var sum: Float = 0
                    // Reads the part of the input the copy did not touch.
                    var index = count
                    while index < source.count { sum += source[index]; index += 16 }
                    if sum == .infinity { print("") }
                }
            }
        }
        let flops = 2.0 * 9 * Double(outputCount)
        print("| \(label) | \(String(format: "%.1f", bytes / seconds / 1e9)) | \(String(format: "%.1f", bytes / copySeconds / 1e9)) | \(String(format: "%.2f", copySeconds / seconds)) | \(String(format: "%.1f", flops / seconds / 1e9)) |")
    }
    print("")
}
