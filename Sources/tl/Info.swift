import ArgumentParser
import CNN
import Foundation
import KerasFormat
import TransferLearning
import Zoo

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model file: format, architecture, input, preprocessing, layers and blocks.",
        discussion: """
        Blocks are listed from the top: `tl finetune --unfreeze 3` trains the first 3 of them.

        Examples:
          tl info                                  # the embedded default model
          tl info resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5
          tl info my_model.h5 --json > model.json
        """
    )

    @Argument(help: ArgumentHelp("The model file (default: the embedded EfficientNet-Lite0).", valueName: "file"))
    var file: String?

    @Option(name: .long, help: "The architecture of a weights-only file, if tl cannot tell.")
    var arch: Architecture?

    @Flag(name: .long, help: "Print JSON instead of tables.")
    var json = false

    @Flag(name: .long, help: "List every layer, not only the summary.")
    var layers = false

    func run() throws {
        if let file, !FileManager.default.fileExists(atPath: file) {
            throw CLIError("\(file): no such file")
        }
        let model = try LoadedModel.load(ModelOptions(path: file, architecture: arch))
        let graph = model.graph
        let parameters = graph.parameters
        let total = parameters.reduce(0) { $0 + $1.value.count }
        let trainable = graph.trainableParameters.reduce(0) { (sum: Int, parameter: Parameter) in sum + parameter.value.count }
        let featureLayer = graph.nodes[model.featureNode].layer?.name ?? graph.inputName
        if json {
            var object = [String: JSONValue]()
            object["file"] = .string(model.path)
            object["sha256"] = .string(try model.sha256)
            object["format"] = .string(model.format)
            object["architecture"] = model.architecture.map { JSONValue.string($0.rawValue) } ?? .null
            object["input_shape"] = .array(graph.inputShape.map { JSONValue.number(Double($0)) })
            object["preprocessing"] = .string(model.preprocessingDescription)
            object["parameters"] = .number(Double(total))
            object["trainable_parameters"] = .number(Double(trainable))
            object["classes"] = model.hasClassifier ? .number(Double(model.classCount)) : .null
            object["feature_layer"] = .string(featureLayer)
            object["feature_dimension"] = .number(Double(model.featureDimension))
            object["blocks_from_top"] = .array(model.blocks.reversed().map { JSONValue.string($0.name) })
            object["layers"] = .array(graph.nodes.enumerated().compactMap { index, node in
                guard let layer = node.layer else { return nil }
                var entry = [String: JSONValue]()
                entry["name"] = .string(layer.name)
                entry["type"] = .string(kerasClassName(of: layer))
                entry["output_shape"] = .array(node.outputShape.map { JSONValue.number(Double($0)) })
                entry["parameters"] = .number(Double(layer.parameterCount))
                return JSONValue.object(entry)
            })
            print(JSONValue.object(object).serialized)
            return
        }
        print("file           \(model.displayName)")
        print("format         \(model.format)")
        print("architecture   \(model.architecture?.rawValue ?? "(custom)")")
        print("input          \(graph.inputShape.map(String.init).joined(separator: "×")) float RGB in [0, 255]")
        print("preprocessing  \(model.preprocessingDescription)")
        print("parameters     \(grouped(total)) (\(grouped(trainable)) trainable)")
        print("output         \(model.hasClassifier ? "softmax over \(model.classCount) classes" + (model.classNames.map { " (\($0.prefix(3).joined(separator: ", "))…)" } ?? "") : "features \(graph.outputShape), no classifier")")
        print("features       \(featureLayer) (\(model.featureDimension) values per image)")
        print("sha256         \(try model.sha256)")
        if model.blocks.isEmpty {
            print("blocks         (unknown: finetune needs a zoo architecture or a model saved by tl)")
        } else {
            print("blocks from the top (finetune --unfreeze N trains the first N):")
            for (index, block) in model.blocks.reversed().enumerated() {
                print(String(format: "  %3d  %@  (%d layers)", index + 1, block.name, block.layers.count))
            }
        }
        if layers {
            print("")
            print(pad("layer", 32) + pad("type", 24) + pad("output shape", 18) + "parameters")
            for node in graph.nodes {
                guard let layer = node.layer else { continue }
                print(pad(layer.name, 32) + pad(kerasClassName(of: layer), 24) + pad("\(node.outputShape)", 18) + grouped(layer.parameterCount))
            }
        }
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return result
}
