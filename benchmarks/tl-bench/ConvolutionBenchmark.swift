import CNN
import Foundation

struct ConvolutionShape {
    var label: String
    var size: Int
    var inputChannels: Int
    var outputChannels: Int
    var kernel: Int
    var stride: Int = 1
}

/// The convolutions of ResNet50 at 224×224.
let resnet50Shapes = [
    ConvolutionShape(label: "stem 7x7/2", size: 224, inputChannels: 3, outputChannels: 64, kernel: 7, stride: 2),
    ConvolutionShape(label: "conv2 3x3", size: 56, inputChannels: 64, outputChannels: 64, kernel: 3),
    ConvolutionShape(label: "conv3 3x3", size: 28, inputChannels: 128, outputChannels: 128, kernel: 3),
    ConvolutionShape(label: "conv4 3x3", size: 14, inputChannels: 256, outputChannels: 256, kernel: 3),
    ConvolutionShape(label: "conv5 3x3", size: 7, inputChannels: 512, outputChannels: 512, kernel: 3),
    ConvolutionShape(label: "conv2 1x1 64>256", size: 56, inputChannels: 64, outputChannels: 256, kernel: 1),
    ConvolutionShape(label: "conv2 1x1 256>64", size: 56, inputChannels: 256, outputChannels: 64, kernel: 1),
    ConvolutionShape(label: "conv3 1x1 512>128", size: 28, inputChannels: 512, outputChannels: 128, kernel: 1),
    ConvolutionShape(label: "conv4 1x1 1024>256", size: 14, inputChannels: 1024, outputChannels: 256, kernel: 1),
    ConvolutionShape(label: "conv5 1x1 512>2048", size: 7, inputChannels: 512, outputChannels: 2048, kernel: 1),
    ConvolutionShape(label: "down 1x1/2 256>512", size: 56, inputChannels: 256, outputChannels: 512, kernel: 1, stride: 2),
]

func runConvolutionBenchmark(_ arguments: BenchmarkArguments) {
    print("## Conv2D forward vs bare cblas_sgemm of the same M×K×N (ResNet50 shapes)")
    print("| shape | M×K×N | conv GFLOP/s | sgemm GFLOP/s | ratio |")
    print("|---|---|---:|---:|---:|")
    var generator = SeededGenerator(seed: 1)
    for shape in resnet50Shapes {
        let layer = try! Conv2D(name: "conv", inputChannels: shape.inputChannels, filters: shape.outputChannels,
                                kernelSize: (shape.kernel, shape.kernel), strides: (shape.stride, shape.stride),
                                padding: .same, useBias: true)
        layer.kernel.value = generator.uniformTensor(shape: layer.kernel.shape, low: -0.1, high: 0.1)
        let input = generator.uniformTensor(shape: [arguments.batch, shape.size, shape.size, shape.inputChannels])
        let outputSize = (shape.size + shape.stride - 1) / shape.stride
        let m = arguments.batch * outputSize * outputSize
        let k = shape.kernel * shape.kernel * shape.inputChannels
        let n = shape.outputChannels
        let flops = 2.0 * Double(m) * Double(k) * Double(n)

        let convSeconds = medianSeconds(repetitions: arguments.repetitions) {
            _ = try! layer.forward(input, training: false)
        }
        let a = generator.uniformTensor(shape: [m, k])
        let b = generator.uniformTensor(shape: [k, n])
        var c = Tensor(zeros: [m, n])
        let gemmSeconds = medianSeconds(repetitions: arguments.repetitions) {
            a.withPointer { a in
                b.withPointer { b in
                    c.withMutablePointer { c in
                        sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
                              beta: 0, c: c, ldc: n)
                    }
                }
            }
        }
        let conv = flops / convSeconds / 1e9
        let gemm = flops / gemmSeconds / 1e9
        print("| \(shape.label) | \(m)×\(k)×\(n) | \(String(format: "%.1f", conv)) | \(String(format: "%.1f", gemm)) | \(String(format: "%.2f", conv / gemm)) |")
    }
    print("")
}
