import ArgumentParser
import CNN
import Foundation
import Runtime

struct SelfCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-check",
        abstract: "Check that BLAS and oneDNN compute correctly on this CPU, and say which kernels run.",
        discussion: """
        Some OpenBLAS builds compute wrong results on CPUs they do not know. This computes a convolution through BLAS (as training does) and through oneDNN (as inference does), compares both with a direct loop, and fails if they differ. It also checks that the engine's threads flush denormal numbers to zero (without that, training can slow down tenfold).

        Example:
          tl self-check
        """
    )

    func run() throws {
        print(ThreadConfiguration.summary)
        print(MemoryConfiguration.summary)
        var generator = SeededGenerator(seed: 1)
        let conv = try Conv2D(name: "check", inputChannels: 19, filters: 23, kernelSize: (3, 3), strides: (2, 2), padding: .same)
        conv.kernel.value = generator.uniformTensor(shape: conv.kernel.shape)
        conv.bias!.value = generator.uniformTensor(shape: conv.bias!.shape)
        let input = generator.uniformTensor(shape: [3, 17, 15, 19])
        let reference = try directConvolution(conv, input)
        for viaOneDNN in [false, true] {
            let saved = Engine.usesOneDNN
            Engine.usesOneDNN = viaOneDNN
            defer { Engine.usesOneDNN = saved }
            guard viaOneDNN == false || saved else { continue }
            let output = try conv.forward(input, training: false)
            let worst = zip(output.scalars, reference).map { abs($0 - $1) }.max() ?? 0
            if viaOneDNN && conv.oneDNNImplementations.isEmpty {
                print("oneDNN has no fast kernel for this CPU: every convolution runs on the engine's own kernels")
                continue
            }
            let path = viaOneDNN ? "oneDNN (\(conv.oneDNNImplementations.joined(separator: ", ")))" : "BLAS"
            guard worst < 1e-3 else {
                throw CLIError("\(path) self-check failed: largest difference \(worst)"
                    + (viaOneDNN ? "; TL_ONEDNN=0 turns oneDNN off" : "; try OPENBLAS_CORETYPE=Haswell or Prescott"))
            }
            print("convolution through \(path) matches a direct loop (largest difference \(worst))")
        }
        guard FloatingPointConfiguration.denormalsFlushedOnEngineThreads() else {
            throw CLIError("denormal numbers are not flushed to zero on every engine thread: training may slow down 10x")
        }
        print("denormal numbers flush to zero on every engine thread")
    }

    /// The same strided `same` convolution as six plain loops in Float64.
    private func directConvolution(_ conv: Conv2D, _ input: Tensor) throws -> [Float] {
        let (h, w) = (input.shape[1], input.shape[2])
        let shape = try conv.outputShape(for: Array(input.shape.dropFirst()))
        let (oh, ow, cin, cout) = (shape[0], shape[1], conv.inputChannels, conv.filters)
        let rows = AxisGeometry(input: h, kernel: 3, stride: 2, padding: .same)
        let columns = AxisGeometry(input: w, kernel: 3, stride: 2, padding: .same)
        var result = [Float](repeating: 0, count: input.shape[0] * oh * ow * cout)
        for n in 0..<input.shape[0] { for oy in 0..<oh { for ox in 0..<ow { for f in 0..<cout {
            var sum = Double(conv.bias!.value.scalars[f])
            for ky in 0..<3 { for kx in 0..<3 {
                let y = oy * 2 - rows.before + ky, x = ox * 2 - columns.before + kx
                guard y >= 0, y < h, x >= 0, x < w else { continue }
                for c in 0..<cin {
                    sum += Double(input.scalars[((n * h + y) * w + x) * cin + c])
                        * Double(conv.kernel.value.scalars[((ky * 3 + kx) * cin + c) * cout + f])
                }
            } }
            result[((n * oh + oy) * ow + ox) * cout + f] = Float(sum)
        } } } }
        return result
    }
}
