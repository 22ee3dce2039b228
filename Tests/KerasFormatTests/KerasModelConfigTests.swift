import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest

/// `ModelConfig` on the configs of the real fixture files, and on variants of them that older
/// or other Keras releases write.
final class KerasModelConfigTests: XCTestCase {
    private func configText(_ name: String) throws -> String {
        try File(opening: KerasFixtures.path(name)).stringAttribute(named: "model_config")
    }

    private static let keras2Files = ["convs_k2.h5", "acts_k2.h5", "pools_k2.h5", "se_k2.h5", "prep_k2.h5",
                                      "seq_k2.h5", "tiny_k2.h5", "slash_k2.h5", "tiny_legacy_k2.h5"]
    private static let keras3Files = ["convs_k3.h5", "acts_k3.h5", "pools_k3.h5", "se_k3.h5", "prep_k3.h5",
                                      "seq_k3.h5", "tiny_k3.h5"]

    /// The flavour decides `hard_sigmoid`. A Keras 3 Sequential model saved to .h5 has no
    /// Keras 3 marker in its layers (no `module`, no inbound nodes), so the file's
    /// keras_version decides, and without one the InputLayer's `batch_shape`.
    func testFlavourOfEveryFixture() throws {
        for name in Self.keras2Files {
            XCTAssertEqual(try KerasFile(path: KerasFixtures.path(name)).modelConfig?.flavor, .keras2, name)
            XCTAssertEqual(try ModelConfig(json: configText(name), file: name).flavor, .keras2, "\(name) without version")
        }
        for name in Self.keras3Files {
            XCTAssertEqual(try KerasFile(path: KerasFixtures.path(name)).modelConfig?.flavor, .keras3, name)
            XCTAssertEqual(try ModelConfig(json: configText(name), file: name).flavor, .keras3, "\(name) without version")
        }
    }

    /// The fixture that shows why: `seq` applies hard_sigmoid, whose Keras 2 and Keras 3 outputs
    /// differ; the same Keras 3 file computed with each flavour gives each version's output.
    func testFlavourDecidesHardSigmoid() throws {
        let expected = try KerasFixtures.expected("seq")
        let keras2 = expected.keras2!, keras3 = expected.keras3!
        let gap = zip(keras2.scalars, keras3.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(gap, 1e-3, "the fixture must tell the versions apart")
        let text = try configText("seq_k3.h5")
        let weights = try KerasFile(path: KerasFixtures.path("seq_k3.h5"))
        for (version, output) in [("2.21.0", keras2), ("3.15.1", keras3)] {
            let model = try KerasModel(config: ModelConfig(json: text, file: "seq_k3.h5", kerasVersion: version),
                                       file: "seq_k3.h5")
            try KerasLoader.loadWeights(weights, into: model, matching: .exactNames)
            assertMatchesKeras(try model.graph.forward(expected.input), output, "seq_k3.h5 read as Keras \(version)")
        }
    }

    /// Keras 2 inbound nodes (lists) are read as such even when the layers carry `module` keys,
    /// as configs written by the new Keras 2 serializer do.
    func testKeras2NodesWithModuleKeys() throws {
        var root = try JSONValue(parsing: configText("se_k2.h5"))
        guard case var .object(top) = root, case var .object(config) = top["config"]!,
              case let .array(layers) = config["layers"]! else { return XCTFail("unexpected config") }
        config["layers"] = .array(layers.map { layer in
            guard case var .object(fields) = layer else { return layer }
            fields["module"] = .string("keras.layers")
            return .object(fields)
        })
        top["config"] = .object(config)
        root = .object(top)
        let parsed = try ModelConfig(json: root.serialized, file: "se-with-modules", kerasVersion: "2.15.0")
        XCTAssertEqual(parsed.flavor, .keras2)
        XCTAssertEqual(parsed.layers.first { $0.name == "add_3" }?.inbound, ["add_2", "stem_activation", "se_excite"])
        XCTAssertEqual(parsed.layers.first { $0.name == "se2_excite_reversed" }?.inbound, ["se2_expand", "stem_activation"])

        let model = try KerasModel(config: parsed, file: "se-with-modules")
        try KerasLoader.loadWeights(KerasFile(path: KerasFixtures.path("se_k2w.h5")), into: model, matching: .byName)
        let expected = try KerasFixtures.expected("se")
        assertMatchesKeras(try model.graph.forward(expected.input), expected.keras2!, "se with module keys")
    }

    /// Keras 2.0-2.1 wrote a Sequential config as the bare list of layers; Keras 2 models built
    /// with `build(shape)` carry the shape in `build_input_shape` instead of a layer.
    func testOldSequentialConfigs() throws {
        let root = try JSONValue(parsing: configText("tiny_legacy_k2.h5"))
        var layers = root["config"]!["layers"]!.array!
        let bareList = JSONValue.object(["class_name": .string("Sequential"), "config": .array(layers)])
        let fromList = try ModelConfig(json: bareList.serialized, file: "bare-list", kerasVersion: "2.1.6")
        XCTAssertEqual(fromList.inputShape, [5, 6, 3])
        XCTAssertEqual(fromList.layers.map(\.name), ["input_1", "conv", "bn", "flatten", "dense"])

        guard case var .object(first) = layers[0], case var .object(firstConfig) = first["config"]! else {
            return XCTFail("unexpected layer")
        }
        firstConfig["batch_input_shape"] = nil
        first["config"] = .object(firstConfig)
        layers[0] = .object(first)
        let built = JSONValue.object(["class_name": .string("Sequential"), "config": .object([
            "name": .string("built"), "layers": .array(layers),
            "build_input_shape": .array([.null, .number(5), .number(6), .number(3)]),
        ])])
        let fromBuild = try ModelConfig(json: built.serialized, file: "built", kerasVersion: "2.4.0")
        XCTAssertEqual(fromBuild.inputShape, [5, 6, 3])

        let model = try KerasModel(config: fromBuild, file: "built")
        try KerasLoader.loadWeights(KerasFile(path: KerasFixtures.path("tiny_k2w.h5")), into: model, matching: .byOrder)
        let expected = try KerasFixtures.expected("tiny")
        assertMatchesKeras(try model.graph.forward(expected.input), expected.keras2!, "Sequential with build_input_shape")
    }

    func testInvalidConfigs() {
        let cases: [(String, String)] = [
            ("not json", "not JSON"),
            (#"{"config": {}}"#, "class_name"),
            (#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2}}]}}"#,
             "input shape"),
            (#"{"class_name": "Subclassed", "config": {}}"#, "Subclassed"),
        ]
        for (text, fragment) in cases {
            let error = expectError(KerasFormatError.self, try ModelConfig(json: text, file: "cfg.h5"))
            let message = error?.localizedDescription ?? ""
            XCTAssertTrue(message.contains("cfg.h5") && message.contains(fragment), "\(text): \(message)")
        }
    }

    /// Options tl cannot compute are refused at load time with the layer's name, never computed
    /// differently: each case edits one layer of a real config.
    func testUnsupportedOptionsAreRefusedWithTheLayerName() throws {
        let text = try configText("tiny_k2.h5")
        func edited(_ layerName: String, _ change: (inout [String: JSONValue], inout String) -> Void) throws -> String {
            let root = try JSONValue(parsing: text)
            guard case var .object(top) = root, case var .object(config) = top["config"]!,
                  case var .array(layers) = config["layers"]! else { throw KerasFormatError.invalidConfig(file: "", reason: "") }
            for (index, layer) in layers.enumerated() {
                guard case var .object(fields) = layer, case var .object(layerConfig) = fields["config"]!,
                      layerConfig["name"]?.string == layerName, var className = fields["class_name"]?.string else { continue }
                change(&layerConfig, &className)
                fields["config"] = .object(layerConfig)
                fields["class_name"] = .string(className)
                layers[index] = .object(fields)
            }
            config["layers"] = .array(layers)
            top["config"] = .object(config)
            return JSONValue.object(top).serialized
        }
        let cases: [(layer: String, fragment: String, change: (inout [String: JSONValue], inout String) -> Void)] = [
            ("conv", "selu", { config, _ in config["activation"] = .string("selu") }),
            ("dense", "softplus", { config, _ in config["activation"] = .string("softplus") }),
            ("conv", "group", { config, _ in config["groups"] = .number(3) }),
            ("conv", "channels_first", { config, _ in config["data_format"] = .string("channels_first") }),
            ("conv", "causal", { config, _ in config["padding"] = .string("causal") }),
            ("bn", "axis", { config, _ in config["axis"] = .array([.number(1)]) }),
            ("flatten", "UpSampling2D", { _, className in className = "UpSampling2D" }),
            // Corrupt values: an error, not a crash.
            ("conv", "filters", { config, _ in config["filters"] = .number(-2) }),
            ("conv", "positive", { config, _ in config["kernel_size"] = .array([.number(0), .number(3)]) }),
            ("conv", "positive", { config, _ in config["strides"] = .array([.number(0), .number(1)]) }),
            ("dense", "units", { config, _ in config["units"] = .number(0) }),
        ]
        for (layer, fragment, change) in cases {
            let config = try ModelConfig(json: edited(layer, change), file: "edited.h5", kerasVersion: "2.21.0")
            let error = expectError(KerasFormatError.self, try KerasModel(config: config, file: "edited.h5"))
            let message = error?.localizedDescription ?? ""
            XCTAssertTrue(message.contains("edited.h5") && message.contains("'\(layer)'") && message.contains(fragment),
                          "\(layer) \(fragment): \(message)")
        }
    }

    /// A failed load assigns nothing, even when the failing layer comes after layers that fit.
    func testFailedLoadAssignsNothing() throws {
        let model = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("tiny_k2.h5")))
        var stored = try KerasFile(path: KerasFixtures.path("tiny_k2w.h5")).storedLayers()
        XCTAssertEqual(stored.map(\.name), ["conv", "bn", "dense"])
        stored[2].weights[0].tensor = Tensor(zeros: [5, 2])
        zeroAllWeights(model)
        for matching in [WeightLoader.Matching.byOrder, .byName, .exactNames] {
            let error = expectError(KerasFormatError.self,
                                    try WeightLoader.load(stored, into: model, matching: matching, file: "x.h5"))
            XCTAssertTrue(error?.localizedDescription.contains("'dense'") ?? false)
            for entry in model.kerasLayers {
                for parameter in entry.layer.parameters {
                    XCTAssertTrue(parameter.value.scalars.allSatisfy { $0 == 0 }, "\(entry.name)/\(parameter.name) was assigned")
                }
            }
        }
        stored[2].weights.removeLast()
        let error = expectError(KerasFormatError.self,
                                try WeightLoader.load(stored, into: model, matching: .byOrder, file: "x.h5"))
        XCTAssertEqual(error, .layerWeightCountMismatch(file: "x.h5", layer: "dense", expected: ["kernel", "bias"],
                                                        found: ["dense/kernel:0"]))
    }
}
