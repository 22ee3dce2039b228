import ArgumentParser
import CNN
import Runtime

let tlVersion = "0.1.0"

@main
struct TL: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "tl",
            abstract: "Transfer learning on biomedical images, on a CPU.",
            discussion: """
            Start from a network pretrained on ImageNet (a Keras HDF5 file, or the embedded EfficientNet-Lite0) and either retrain only a new classifier on top of the frozen network (small data: retrain-head) or fine-tune its top blocks too (finetune).
            """,
            version: "tl \(tlVersion)\n\(ThreadConfiguration.summary)\n\(MemoryConfiguration.summary)",
            subcommands: [ExtractFeatures.self, RetrainHead.self, Finetune.self, Predict.self, Evaluate.self, Info.self, SelfCheck.self]
        )
    }

    static func main() {
        StartupEnvironment.restartIfNeeded()
        FloatingPointConfiguration.flushDenormals()
        ConvolutionBackendConfiguration.apply()
        ThreadConfiguration.apply(requested: nil)
        MemoryConfiguration.reuseLargeAllocations()
        Self.main(nil)
    }
}
