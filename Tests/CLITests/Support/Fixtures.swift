import CNN
import Foundation
import HDF5
import Imaging
import KerasFormat
import TransferLearning
import XCTest

/// Everything the CLI tests share, made once per test process in one temporary folder:
/// a tiny backbone saved as a Keras full model, a tiny separable dataset with bad files,
/// and a classifier trained on it by `tl retrain-head`.
enum Fixtures {
    /// The blocks of the tiny backbone, bottom to top, as `tl_blocks` stores them.
    static let blocks: [(name: String, layers: [String])] = [
        ("b1", ["b1_conv", "b1_bn", "b1_relu"]),
        ("b2", ["b2_conv", "b2_bn", "b2_relu"]),
    ]
    static let stemLayers = ["rescale", "stem_conv", "stem_bn", "stem_relu"]
    static let classNames = ["blue", "red"]
    static let imagesPerClass = 16
    /// The three unreadable files of the dataset, relative to its folder.
    static let badFiles = ["red/notes.png", "red/empty.png", "blue/truncated.png"]
    static let featureDimension = 8

    static var root: URL { state.root }
    static var backbone: URL { state.backbone }
    /// blue/ and red/, 16 noisy 40×40 PNGs each, plus the bad files and .DS_Store files.
    static var dataset: URL { state.dataset }
    /// Good images as paths relative to `dataset`, sorted.
    static var goodImages: [String] { state.goodImages }

    private static let state: State = {
        do { return try State() } catch { fatalError("cannot make the CLI test fixtures: \(error)") }
    }()

    private final class State: @unchecked Sendable {
        let root: URL
        let backbone: URL
        let dataset: URL
        let goodImages: [String]

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("tl-cli-fixtures-\(getpid())-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            // TL_CLI_KEEP_FIXTURES=1 keeps them, for looking into a failure.
            if ProcessInfo.processInfo.environment["TL_CLI_KEEP_FIXTURES"] == "1" {
                print("CLI test fixtures kept in \(root.path)")
            } else {
                fixtureRootForCleanup = strdup(root.path)
            }
            atexit {
                if let path = fixtureRootForCleanup { try? FileManager.default.removeItem(atPath: String(cString: path)) }
            }
            backbone = root.appendingPathComponent("backbone.h5")
            try Fixtures.writeTinyBackbone(to: backbone)
            dataset = root.appendingPathComponent("data")
            goodImages = try Fixtures.writeDataset(at: dataset)
        }
    }

    /// input 32×32×3 in [0, 255] → Rescaling → stem (Conv2D 3×3/2, BN, ReLU) → b1 (conv, BN,
    /// ReLU) → b2 (conv 3×3/2, BN, ReLU) → GlobalAveragePooling2D 'avg_pool', seeded weights.
    static func makeTinyBackbone(seed: UInt64 = 7) throws -> KerasModel {
        var generator = SeededGenerator(seed: seed)
        let graph = Graph(inputShape: [32, 32, 3], inputName: "input_1")
        try graph.add(Rescaling(name: "rescale", scale: 1 / 127.5, offset: -1))
        func convBlock(_ prefix: String, input: Int, output: Int, stride: Int) throws {
            let conv = try Conv2D(name: "\(prefix)_conv", inputChannels: input, filters: output, kernelSize: (3, 3),
                                  strides: (stride, stride), padding: .same)
            conv.kernel.value = Initializer.heNormal.tensor(shape: conv.kernel.shape, using: &generator)
            conv.bias!.value = generator.uniformTensor(shape: conv.bias!.shape, low: -0.1, high: 0.1)
            try graph.add(conv)
            let norm = BatchNormalization(name: "\(prefix)_bn", channels: output)
            norm.gamma!.value = generator.uniformTensor(shape: [output], low: 0.8, high: 1.2)
            norm.beta!.value = generator.uniformTensor(shape: [output], low: -0.1, high: 0.1)
            norm.movingMean.value = generator.uniformTensor(shape: [output], low: -0.2, high: 0.2)
            norm.movingVariance.value = generator.uniformTensor(shape: [output], low: 0.8, high: 1.5)
            try graph.add(norm)
            try graph.add(Activation(name: "\(prefix)_relu", kind: .relu))
        }
        try convBlock("stem", input: 3, output: 8, stride: 2)
        try convBlock("b1", input: 8, output: 8, stride: 1)
        try convBlock("b2", input: 8, output: featureDimension, stride: 2)
        try graph.add(GlobalAveragePooling2D(name: "avg_pool"))
        return KerasModel(graph: graph, name: "tiny_backbone")
    }

    /// `tl_blocks` as ModelComposer.metadata writes it, so finetune can unfreeze.
    static var blocksMetadata: String {
        JSONValue.array(blocks.map {
            .object(["name": .string($0.name), "layers": .array($0.layers.map(JSONValue.string))])
        }).serialized
    }

    static func writeTinyBackbone(to url: URL) throws {
        try KerasWriter.save(try makeTinyBackbone(), to: url.path, metadata: ["tl_blocks": blocksMetadata])
    }

    /// A noisy 40×40 image, mostly red (class 1) or mostly blue (class 0).
    static func noisyImage(red: Bool, generator: inout SeededGenerator) -> Image {
        Image(width: 40, height: 40) { pixels in
            for pixel in 0..<(40 * 40) {
                let strong = 150 + 100 * generator.nextUniform()
                let weak = 90 * generator.nextUniform()
                let green = 100 * generator.nextUniform()
                pixels[3 * pixel] = red ? strong : weak
                pixels[3 * pixel + 1] = green
                pixels[3 * pixel + 2] = red ? weak : strong
            }
        }
    }

    /// Writes the dataset; returns the good images' relative paths, sorted.
    @discardableResult
    static func writeDataset(at folder: URL, seed: UInt64 = 11, imagesPerClass: Int = imagesPerClass,
                             withBadFiles: Bool = true) throws -> [String] {
        var generator = SeededGenerator(seed: seed)
        var written = [String]()
        for name in classNames {
            let classFolder = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            for index in 0..<imagesPerClass {
                let relative = "\(name)/\(name)_\(String(format: "%02d", index)).png"
                try PNGEncoder.write(noisyImage(red: name == "red", generator: &generator),
                                     to: folder.appendingPathComponent(relative))
                written.append(relative)
            }
        }
        if withBadFiles {
            try Data("this is a text file, not a PNG\n".utf8).write(to: folder.appendingPathComponent(badFiles[0]))
            try Data().write(to: folder.appendingPathComponent(badFiles[1]))
            let valid = try PNGEncoder.encode(noisyImage(red: false, generator: &generator))
            try valid.prefix(valid.count / 2).write(to: folder.appendingPathComponent(badFiles[2]))
            try Data([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]).write(to: folder.appendingPathComponent(".DS_Store"))
            try Data([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]).write(to: folder.appendingPathComponent("red/.DS_Store"))
        }
        return written.sorted()
    }

    /// A copy of the dataset (for tests that touch files or need their own cache keys).
    static func copyOfDataset(in parent: URL, name: String = "data") throws -> URL {
        let copy = parent.appendingPathComponent(name)
        try FileManager.default.copyItem(at: dataset, to: copy)
        return copy
    }

    // MARK: a model trained by `tl retrain-head`, shared by predict, evaluate and finetune tests

    /// `tl retrain-head <dataset> --model <backbone> --output <root>/trained/model.h5`, run once.
    static var trainedModel: URL {
        get throws {
            trainedLock.lock()
            defer { trainedLock.unlock() }
            if let trainedResult { return try trainedResult.get() }
            let result = Result { () throws -> URL in
                let output = root.appendingPathComponent("trained/model.h5")
                let run = try runTL(["retrain-head", dataset.path, "--model", backbone.path, "--output", output.path,
                                     "--seed", "3"] + trainingOptions + ["--quiet"],
                                    cacheHome: root.appendingPathComponent("trained-cache"))
                guard run.status == 0 else { throw CLITestError("retrain-head for the shared model failed\n\(run.transcript)") }
                return output
            }
            trainedResult = result
            return try result.get()
        }
    }
    /// Head-training settings that learn the tiny problem reliably: with lr 1e-3 and one step per
    /// epoch (26 samples, batch 32) the defaults need hundreds of epochs on features this small.
    static let trainingOptions = ["--learning-rate", "0.05", "--batch-size", "8", "--epochs", "30"]
    nonisolated(unsafe) private static var trainedResult: Result<URL, Error>?
    private static let trainedLock = NSLock()

    // MARK: reading outputs

    /// The stored weights of a Keras file, by "layer/weight".
    static func storedWeights(_ url: URL) throws -> [String: Tensor] {
        var result = [String: Tensor]()
        for layer in try KerasFile(path: url.path).storedLayers() {
            for weight in layer.weights {
                result[layer.name + "/" + (weight.name.split(separator: "/").last.map(String.init) ?? weight.name)] = weight.tensor
            }
        }
        return result
    }

    /// The layer of a "layer/weight" key.
    static func layerName(ofWeight key: String) -> String {
        String(key.split(separator: "/").first ?? "")
    }
}

nonisolated(unsafe) private var fixtureRootForCleanup: UnsafeMutablePointer<CChar>?

/// Decodes report.json as the library reads it.
func readReport(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> RunReport {
    try RunReport.read(from: url)
}
