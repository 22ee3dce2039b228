import ArgumentParser
import CNN
import Foundation
import Runtime

struct SelfCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-check",
        abstract: "Check that the BLAS library computes correctly on this CPU, and say which kernel it uses.",
        discussion: """
        Some OpenBLAS builds compute wrong results on CPUs they do not know. This compares a convolution computed through BLAS with a direct loop, and fails if they differ. It also checks that the engine's threads flush denormal numbers to zero (without that, training can slow down tenfold).

        Example:
          tl self-check
        """
    )

    func run() throws {
        print(ThreadConfiguration.summary)
        var generator = SeededGenerator(seed: 1)
        let conv = try Conv2D(name: "check", inputChannels: 19, filters: 23, kernelSize: (3, 3), strides: (2, 2), padding: .same)
        conv.kernel.value = generator.uniformTensor(shape: conv.kernel.shape)
        conv.bias!.value = generator.uniformTensor(shape: conv.bias!.shape)
        let input = generator.uniformTensor(shape: [3, 17, 15, 19])
        let output = try conv.forward(input, training: false)
        let (h, w, oh, ow) = (17, 15, output.shape[1], output.shape[2])
        let rows = AxisGeometry(input: h, kernel: 3, stride: 2, padding: .same)
        let columns = AxisGeometry(input: w, kernel: 3, stride: 2, padding: .same)
        var worst: Float = 0
        for n in 0..<3 { for oy in 0..<oh { for ox in 0..<ow { for f in 0..<23 {
            var sum = Double(conv.bias!.value.scalars[f])
            for ky in 0..<3 { for kx in 0..<3 {
                let y = oy * 2 - rows.before + ky, x = ox * 2 - columns.before + kx
                guard y >= 0, y < h, x >= 0, x < w else { continue }
                for c in 0..<19 {
                    sum += Double(input.scalars[((n * h + y) * w + x) * 19 + c]) * Double(conv.kernel.value.scalars[((ky * 3 + kx) * 19 + c) * 23 + f])
                }
            } }
            worst = max(worst, abs(Float(sum) - output.scalars[((n * oh + oy) * ow + ox) * 23 + f]))
        } } } }
        guard worst < 1e-3 else {
            throw CLIError("BLAS self-check failed: largest difference \(worst); try OPENBLAS_CORETYPE=Haswell or Prescott")
        }
        print("convolution through BLAS matches a direct loop (largest difference \(worst))")
        guard FloatingPointConfiguration.denormalsFlushedOnEngineThreads() else {
            throw CLIError("denormal numbers are not flushed to zero on every engine thread: training may slow down 10x")
        }
        print("denormal numbers flush to zero on every engine thread")
    }
}
