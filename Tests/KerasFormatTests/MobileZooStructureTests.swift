import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest
import Zoo

/// MobileNet, MobileNetV2, EfficientNetB0 and EfficientNet-Lite0 built in Swift against
/// what Keras reports for the same models at 224×224 with the top: the parameter count,
/// the layers with weights in save order with every weight's name and shape, and every
/// Keras layer's name and class. The listings are Tests/Fixtures/zoo/<arch>.json, written by
/// `scripts/parity/make_mobile_fixtures.py --json-only --json-dir Tests/Fixtures/zoo`.
/// Plus the real default model: models/efficientnet_lite0.h5 on the Lite0 graph gives
/// Keras's logits for a fixed input (Tests/Fixtures/zoo/efficientnet-lite0-logits.json).
/// The random-weight forward passes against Keras are MobileZooParityTests (`make parity`).
final class MobileZooStructureTests: XCTestCase {
    static let architectures: [Architecture] = [.mobilenet, .mobilenetV2, .efficientnetB0, .efficientnetLite0]

    /// Keras's parameter counts at 224×224 with the 1000-class top (`model.count_params()`).
    static let kerasParameters: [Architecture: Int] = [
        .mobilenet: 4_253_864, .mobilenetV2: 3_538_984, .efficientnetB0: 5_330_571, .efficientnetLite0: 4_694_024,
    ]

    struct Listing: Decodable {
        struct WeightLayer: Decodable {
            let name: String
            let weight_names: [String]
            let weights: [[Int]]
        }
        let architecture: String
        let parameters: Int
        let layers: [WeightLayer]
        let all_layers: [[String]]
    }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/zoo")
    }

    static func listing(_ architecture: Architecture) throws -> Listing {
        let url = fixtures.appendingPathComponent("\(architecture.rawValue).json")
        return try JSONDecoder().decode(Listing.self, from: Data(contentsOf: url))
    }

    func testParameterCountsAndWeightLayersMatchKeras() throws {
        for architecture in Self.architectures {
            let listing = try Self.listing(architecture)
            XCTAssertEqual(listing.architecture, architecture.rawValue)
            XCTAssertEqual(listing.parameters, Self.kerasParameters[architecture], "\(architecture): the listing's count")
            let zoo = try architecture.build(ZooOptions(includeTop: true))
            XCTAssertEqual(zoo.architecture, architecture)
            let graph = zoo.graph
            let count = graph.parameters.reduce(0) { $0 + $1.value.count }
            XCTAssertEqual(count, Self.kerasParameters[architecture], "\(architecture): parameter count")

            let model = KerasModel(graph: graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
            let ours = model.layersWithWeights
            XCTAssertEqual(ours.map(\.name), listing.layers.map(\.name), "\(architecture): layers with weights, in order")
            for (mine, keras) in zip(ours, listing.layers) {
                let names = mine.layer.parameters.map(\.name)
                let shapes = mine.layer.parameters.map(\.shape)
                XCTAssertEqual(names, keras.weight_names, "\(architecture): weight names of '\(mine.name)'")
                XCTAssertEqual(shapes, keras.weights, "\(architecture): weight shapes of '\(mine.name)'")
            }
            XCTAssertEqual(graph.outputShape, [1000], "\(architecture)")
            XCTAssertEqual(graph.inputShape, [224, 224, 3], "\(architecture)")
        }
    }

    /// Every Keras layer is a node with the same name and class; every other node is a
    /// fused activation split off (`<name>_activation`). One exception: EfficientNetB0's
    /// per-channel 1/√std multiplication, tf_keras's `tf.math.multiply` op layer, is the
    /// weightless Normalization `rescaling_1` here (Keras 3's name; there a `Rescaling`).
    func testEveryKerasLayerIsANodeOfTheSameClass() throws {
        for architecture in Self.architectures {
            let listing = try Self.listing(architecture)
            let zoo = try architecture.build(ZooOptions(includeTop: true))
            let model = KerasModel(graph: zoo.graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
            let ourClasses = Dictionary(uniqueKeysWithValues: model.kerasLayers.map { ($0.name, $0.className) })
            var kerasNames = Set<String>()
            var kerasOrder = [String]()
            for pair in listing.all_layers {
                var (name, className) = (pair[0], pair[1])
                if architecture == .efficientnetB0 && name == "tf.math.multiply" {
                    XCTAssertEqual(className, "TFOpLambda")
                    (name, className) = ("rescaling_1", "Normalization")
                }
                kerasNames.insert(name)
                kerasOrder.append(name)
                guard let ours = ourClasses[name] else {
                    XCTFail("\(architecture): Keras layer '\(name)' (\(className)) is not in the graph")
                    continue
                }
                XCTAssertEqual(ours, className, "\(architecture): class of '\(name)'")
            }
            for layer in zoo.graph.layers where !kerasNames.contains(layer.name) {
                let fused = layer.name.hasSuffix("_activation")
                    && kerasNames.contains(String(layer.name.dropLast("_activation".count)))
                    && layer is Activation
                XCTAssertTrue(fused, "\(architecture): node '\(layer.name)' is not a Keras layer")
            }
            // Same order as Keras's model.layers.
            let ourOrder = zoo.graph.layers.map(\.name).filter(kerasNames.contains)
            XCTAssertEqual(ourOrder, kerasOrder, "\(architecture): layer order")
        }
        let efficientNet = try Architecture.efficientnetB0.build(ZooOptions(includeTop: false, inputSize: (32, 32)))
        let rescaling = try XCTUnwrap(efficientNet.graph.layer(named: "rescaling_1") as? Normalization)
        XCTAssertTrue(rescaling.parameters.isEmpty, "the 1/sqrt(std) layer has no weights")
        XCTAssertEqual(rescaling.variance.value.scalars, [0.229, 0.224, 0.225])
        XCTAssertEqual(rescaling.mean.value.scalars, [0, 0, 0])
    }

    func testBlocksFeatureNodeAndHead() throws {
        let efficientBlocks = ["stem", "block1a", "block2a", "block2b", "block3a", "block3b", "block4a", "block4b", "block4c",
                               "block5a", "block5b", "block5c", "block6a", "block6b", "block6c", "block6d", "block7a"]
        let expected: [Architecture: (blocks: [String], features: String, width: Int, head: [String], preprocessing: Preprocessing)] = [
            .mobilenet: (["conv1"] + (1...13).map { "conv_dw_\($0)/conv_pw_\($0)" }, "global_average_pooling2d", 1024,
                         ["global_average_pooling2d", "dropout", "conv_preds", "reshape_2", "predictions"], .tf),
            .mobilenetV2: (["stem", "expanded_conv"] + (1...16).map { "block_\($0)" }, "global_average_pooling2d", 1280,
                           ["Conv_1", "Conv_1_bn", "out_relu", "global_average_pooling2d", "predictions", "predictions_activation"], .tf),
            .efficientnetB0: (efficientBlocks, "avg_pool", 1280,
                              ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions",
                               "predictions_activation"], .none),
            .efficientnetLite0: (efficientBlocks, "avg_pool", 1280,
                                 ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions",
                                  "predictions_activation"], .none),
        ]
        for architecture in Self.architectures {
            let want = expected[architecture]!
            let zoo = try architecture.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
            XCTAssertEqual(zoo.blocks.map(\.name), want.blocks, "\(architecture)")
            XCTAssertEqual(zoo.graph.nodes[zoo.featureNode].layer?.name, want.features, "\(architecture)")
            XCTAssertEqual(zoo.graph.nodes[zoo.featureNode].outputShape, [want.width], "\(architecture)")
            XCTAssertEqual(zoo.graph.outputNode, zoo.featureNode, "\(architecture): without the top the output is the feature vector")
            XCTAssertEqual(zoo.preprocessing, want.preprocessing, "\(architecture)")

            // Blocks, then the head, partition the layers in graph order.
            let top = try architecture.build(ZooOptions(includeTop: true, inputSize: (64, 64), classes: 7))
            XCTAssertEqual(top.graph.outputShape, [7], "\(architecture)")
            XCTAssertEqual(top.graph.nodes[top.featureNode].layer?.name, want.features, "\(architecture)")
            XCTAssertEqual(top.graph.nodes[top.featureNode].outputShape.reduce(1, *), want.width, "\(architecture)")
            XCTAssertEqual(top.blocks.flatMap(\.layers) + want.head, top.graph.layers.map(\.name),
                           "\(architecture): blocks then the head")
            for block in top.blocks {
                XCTAssertFalse(block.layers.isEmpty, "\(architecture): block \(block.name) is empty")
            }
        }
        // MobileNet pools with keepdims when the top is on, as Keras does.
        let mobileNet = try Architecture.mobilenet.build(ZooOptions(includeTop: true, inputSize: (64, 64)))
        XCTAssertEqual(mobileNet.graph.nodes[mobileNet.featureNode].outputShape, [1, 1, 1024])
    }

    func testBlockContents() throws {
        let mobileNet = try Architecture.mobilenet.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        XCTAssertEqual(mobileNet.blocks[2].layers, ["conv_pad_2", "conv_dw_2", "conv_dw_2_bn", "conv_dw_2_relu",
                                                    "conv_pw_2", "conv_pw_2_bn", "conv_pw_2_relu"])
        let v2 = try Architecture.mobilenetV2.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        XCTAssertEqual(v2.blocks[3].layers, [
            "block_2_expand", "block_2_expand_BN", "block_2_expand_relu", "block_2_depthwise", "block_2_depthwise_BN",
            "block_2_depthwise_relu", "block_2_project", "block_2_project_BN", "block_2_add",
        ])
        let b0 = try Architecture.efficientnetB0.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        XCTAssertEqual(b0.blocks[0].layers, ["rescaling", "normalization", "rescaling_1", "stem_conv_pad", "stem_conv",
                                             "stem_bn", "stem_activation"])
        XCTAssertEqual(b0.blocks[3].layers, [
            "block2b_expand_conv", "block2b_expand_bn", "block2b_expand_activation", "block2b_dwconv", "block2b_bn",
            "block2b_activation", "block2b_se_squeeze", "block2b_se_reshape", "block2b_se_reduce",
            "block2b_se_reduce_activation", "block2b_se_expand", "block2b_se_expand_activation", "block2b_se_excite",
            "block2b_project_conv", "block2b_project_bn", "block2b_drop", "block2b_add",
        ])
        // Drop-connect rates grow as 0.2·b/16 with the block index b.
        let drop = try XCTUnwrap(b0.graph.layer(named: "block2b_drop") as? Dropout)
        XCTAssertEqual(drop.rate, 0.2 * 2 / 16, accuracy: 1e-7)
        XCTAssertEqual(drop.noiseShape?.count, 4)
        let lite = try Architecture.efficientnetLite0.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        XCTAssertEqual(lite.blocks[0].layers, ["rescaling", "stem_conv", "stem_bn", "stem_activation"])
        XCTAssertEqual(lite.blocks[3].layers, [
            "block2b_expand_conv", "block2b_expand_bn", "block2b_expand_activation", "block2b_dwconv", "block2b_bn",
            "block2b_activation", "block2b_project_conv", "block2b_project_bn", "block2b_add",
        ])
    }

    /// `correct_pad` before stride-2 convolutions: ((k/2 − 1, k/2), ...) for an even size,
    /// (k/2, k/2) for an odd one.
    func testCorrectPadFollowsTheInputSize() throws {
        func padding(_ zoo: ZooModel, _ name: String) throws -> [Int] {
            let node = try XCTUnwrap(zoo.graph.node(named: name), name)
            let input = zoo.graph.nodes[zoo.graph.nodes[node].inputs[0]].outputShape
            let output = zoo.graph.nodes[node].outputShape
            return [output[0] - input[0], output[1] - input[1]]
        }
        let even = try Architecture.efficientnetB0.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        let odd = try Architecture.efficientnetB0.build(ZooOptions(includeTop: false, inputSize: (75, 75)))
        XCTAssertEqual(try padding(even, "stem_conv_pad"), [1, 1])
        XCTAssertEqual(try padding(odd, "stem_conv_pad"), [2, 2])
        XCTAssertEqual(try padding(even, "block3a_dwconv_pad"), [3, 3])  // kernel 5 on 16×16: (1, 2)
        let pad = try XCTUnwrap(even.graph.layer(named: "block3a_dwconv_pad") as? ZeroPadding2D)
        XCTAssertEqual([pad.top, pad.bottom, pad.left, pad.right], [1, 2, 1, 2])
        let oddPad = try XCTUnwrap(odd.graph.layer(named: "block3a_dwconv_pad") as? ZeroPadding2D)
        XCTAssertEqual([oddPad.top, oddPad.bottom, oddPad.left, oddPad.right], [2, 2, 2, 2])  // 19×19
        XCTAssertEqual(odd.graph.nodes[odd.featureNode].outputShape, [1280])
    }

    func testSmallInputsRunAndTooSmallOnesAreRefused() throws {
        for architecture in Self.architectures {
            let zoo = try architecture.build(ZooOptions(includeTop: false, inputSize: (32, 32)))
            let output = try zoo.graph.forward(Tensor(repeating: 128, shape: [1, 32, 32, 3]))
            XCTAssertEqual(output.shape, [1] + zoo.graph.nodes[zoo.featureNode].outputShape, "\(architecture)")
            XCTAssertThrowsError(try architecture.build(ZooOptions(includeTop: false, inputSize: (31, 64))), "\(architecture)")
            XCTAssertThrowsError(try architecture.build(ZooOptions(includeTop: true, inputSize: (64, 64), classes: 0)),
                                 "\(architecture)")
        }
    }

    func testDetectionFromKerasLayerNames() throws {
        for architecture in Self.architectures {
            let names = try Self.listing(architecture).layers.map(\.name)
            let detected = Architecture.detectMobile(layerNames: names)
            XCTAssertEqual(detected?.architecture, architecture, "\(architecture)")
            XCTAssertEqual(detected?.includeTop, true, "\(architecture)")
            let head: Set<String> = ["conv_preds", "predictions"]
            let notop = Architecture.detectMobile(layerNames: names.filter { !head.contains($0) })
            XCTAssertEqual(notop?.architecture, architecture, "\(architecture) without the top")
            XCTAssertEqual(notop?.includeTop, false, "\(architecture) without the top")
            // The zoo graph's own layers are detected the same way.
            let zoo = try architecture.build(ZooOptions(includeTop: true, inputSize: (32, 32)))
            let ours = zoo.graph.layers.filter { !$0.parameters.isEmpty }.map(\.name)
            XCTAssertEqual(Architecture.detectMobile(layerNames: ours)?.architecture, architecture, "\(architecture)")
        }
        // MobileNetV2's first releases called the classifier `Logits`.
        let v2 = try Self.listing(.mobilenetV2).layers.map(\.name).map { $0 == "predictions" ? "Logits" : $0 }
        XCTAssertEqual(Architecture.detectMobile(layerNames: v2)?.includeTop, true)
        XCTAssertEqual(Architecture.mobilenetV2.mobileLayerNameAliases["Logits"], "predictions")
        // Deeper EfficientNets (B1: a second block in stage 1) are not B0; other zoo files are not mobile.
        let b1 = try Self.listing(.efficientnetB0).layers.map(\.name) + ["block1b_dwconv"]
        XCTAssertNil(Architecture.detectMobile(layerNames: b1))
        for other in ["vgg16", "resnet50", "resnet50-legacy", "densenet121"] {
            let url = Self.fixtures.appendingPathComponent("\(other).json")
            guard let data = try? Data(contentsOf: url),
                  let listing = try? JSONDecoder().decode(NameListing.self, from: data) else { continue }
            XCTAssertNil(Architecture.detectMobile(layerNames: listing.layers.map(\.name)), other)
        }
        XCTAssertNil(Architecture.detectMobile(layerNames: [String]()))
    }

    struct NameListing: Decodable {
        struct Layer: Decodable { let name: String }
        let layers: [Layer]
    }

    // MARK: the real default model

    struct LiteLogits: Decodable {
        let top5: [Int]
        let top5_logits: [Float]
        let logits: [Float]
        let input_checksum: Double
    }

    /// The input the fixture script computes in `lite0_ci_input` (integer arithmetic only).
    static func liteInput() -> Tensor {
        Tensor(shape: [1, 224, 224, 3]) { buffer in
            for h in 0..<224 {
                for w in 0..<224 {
                    for c in 0..<3 {
                        let ramp = (h * (c + 1) + w * (3 - c) + 40 * c) % 256
                        let middle = (56..<168).contains(h) && (56..<168).contains(w)
                        let value = middle ? (ramp / 2 + ((h / 28 + w / 28) % 2) * 96) % 256 : ramp
                        buffer[(h * 224 + w) * 3 + c] = Float(value)
                    }
                }
            }
        }
    }

    /// models/efficientnet_lite0.h5 loaded by exact names onto the Swift Lite0 graph gives
    /// Keras's 1000 logits (and so its top-5) for a fixed input.
    func testLite0WithRealWeightsMatchesKerasLogits() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("models/efficientnet_lite0.h5").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is missing: run `bash models/build.sh` (`make test` builds it first)")
        }
        let expected = try JSONDecoder().decode(
            LiteLogits.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("efficientnet-lite0-logits.json")))
        let zoo = try Architecture.efficientnetLite0.build()
        let file = try KerasFile(path: path)
        let stored = try file.storedLayers()
        XCTAssertEqual(Architecture.detectMobile(layerNames: stored.map(\.name))?.architecture, .efficientnetLite0)
        let model = KerasModel(graph: zoo.graph, name: "efficientnet_lite0", classNames: zoo.kerasClassNames)
        try WeightLoader.load(stored, into: model, matching: .exactNames, file: path)

        let input = Self.liteInput()
        XCTAssertEqual(input.scalars.reduce(0) { $0 + Double($1) }, expected.input_checksum, "the input formula")
        let logitsNode = try XCTUnwrap(zoo.graph.node(named: "predictions"))
        let outputs = try zoo.graph.run(feeding: [0: input], fetching: [logitsNode, zoo.graph.outputNode], training: false)
        let logits = try XCTUnwrap(outputs[logitsNode]).scalars
        XCTAssertEqual(logits.count, 1000)
        var worst = (difference: Float(0), index: 0)
        var scale: Float = 0
        for (index, (ours, keras)) in zip(logits, expected.logits).enumerated() {
            let difference = abs(ours - keras)
            if !(difference <= worst.difference) { worst = (difference, index) }
            scale = max(scale, abs(keras))
        }
        let tolerance = 1e-4 * (1 + scale)
        print("Lite0 real weights: max|logit diff| \(worst.difference) at class \(worst.index) "
              + "(tl \(logits[worst.index]), keras \(expected.logits[worst.index])), tolerance \(tolerance)")
        XCTAssertLessThanOrEqual(worst.difference, tolerance, "logit of class \(worst.index)")
        let top5 = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)
        XCTAssertEqual(Array(top5), expected.top5, "top-5 classes")
        for (index, value) in zip(expected.top5, expected.top5_logits) {
            XCTAssertEqual(logits[index], value, accuracy: tolerance, "logit of class \(index)")
        }
        let probabilities = try XCTUnwrap(outputs[zoo.graph.outputNode]).scalars
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-4)
    }
}
