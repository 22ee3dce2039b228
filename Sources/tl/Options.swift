import ArgumentParser
import CNN
import Foundation
import Runtime
import TransferLearning
import Zoo

extension Architecture: ExpressibleByArgument {}
extension Preprocessing: ExpressibleByArgument {}
extension FeaturePooling: ExpressibleByArgument {}

/// Which model a command runs, shared by every subcommand.
struct ModelOptionGroup: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A Keras HDF5 file: a full model (model.save), a weights-only file from keras.applications, or a model saved by tl. Default: the embedded EfficientNet-Lite0 (ImageNet).",
        valueName: "file"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp(
        "The architecture of a weights-only file, when tl cannot tell it from the layer names (\(Architecture.allCases.map(\.rawValue).joined(separator: ", "))).",
        valueName: "name"))
    var arch: Architecture?

    @Option(name: .long, help: ArgumentHelp(
        "Extra pixel preprocessing before the model (caffe, tf, torch, lite, none). Full models normalize in their own layers, so the default is none.",
        valueName: "mode"))
    var preprocess: Preprocessing?

    func validate() throws {
        if let model, !FileManager.default.fileExists(atPath: model) {
            throw ValidationError("--model \(model): no such file")
        }
    }

    var modelOptions: ModelOptions {
        ModelOptions(path: model, architecture: arch, preprocessing: preprocess)
    }
}

/// Options every long-running command takes.
struct RunOptionGroup: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Threads for oneDNN, BLAS and the engine (default: every core, or TL_THREADS).", valueName: "n"))
    var threads: Int?

    @Flag(name: .long, help: "No progress bars; errors and the final summary only.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func apply() {
        ThreadConfiguration.apply(requested: threads)
    }
}

/// Prints one line on stderr, for warnings and errors.
/// The checks retrain-head and finetune share for their training settings.
func validateTraining(epochs: Int, batchSize: Int, learningRate: Float, l2: Float) throws {
    guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
    guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
    guard l2 >= 0 else { throw ValidationError("--l2 must not be negative") }
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
