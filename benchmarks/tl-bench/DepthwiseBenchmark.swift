import CNN
import Foundation

func runDepthwiseBenchmark(_ arguments: BenchmarkArguments) {
    print("## Depthwise 3x3 forward vs memory bandwidth")
    print("(depthwise benchmark not built yet)")
    print("")
}
