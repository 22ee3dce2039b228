import CNN
import Foundation
import KerasFormat
import XCTest
import Zoo

/// VGG, ResNet and DenseNet built in Swift against what Keras reports for the same
/// `keras.applications` models at 224×224 with the top: the parameter count, the layers
/// with weights in save order with every weight shape, and every Keras layer's name and
/// class. The listings are Tests/Fixtures/zoo/<arch>.json, written by
/// `scripts/parity/make_zoo_fixtures.py --json-only --json-dir Tests/Fixtures/zoo`.
/// No forward pass at 224 here (the numbers are checked by ZooParityTests, `make parity`).
final class ZooClassicStructureTests: XCTestCase {
    static let architectures: [Architecture] = [.vgg16, .vgg19, .resnet50, .resnet101, .resnet152, .resnet50Legacy, .densenet121]

    struct Listing: Decodable {
        struct WeightLayer: Decodable {
            let name: String
            let weights: [[Int]]
        }
        let architecture: String
        let parameters: Int
        let layers: [WeightLayer]
        let all_layers: [[String]]
    }

    static func listing(_ architecture: Architecture) throws -> Listing {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/zoo/\(architecture.rawValue).json")
        return try JSONDecoder().decode(Listing.self, from: Data(contentsOf: url))
    }

    func testParameterCountsAndWeightLayersMatchKeras() throws {
        for architecture in Self.architectures {
            do {
                let listing = try Self.listing(architecture)
                XCTAssertEqual(listing.architecture, architecture.rawValue)
                let zoo = try architecture.build(ZooOptions(includeTop: true))
                let graph = zoo.graph
                let count = graph.parameters.reduce(0) { $0 + $1.value.count }
                XCTAssertEqual(count, listing.parameters, "\(architecture): parameter count")

                let model = KerasModel(graph: graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
                let ours = model.layersWithWeights.map { (name: $0.name, shapes: $0.layer.parameters.map(\.shape)) }
                XCTAssertEqual(ours.map(\.name), listing.layers.map(\.name), "\(architecture): layers with weights, in order")
                for (mine, keras) in zip(ours, listing.layers) where mine.shapes != keras.weights {
                    XCTFail("\(architecture): '\(mine.name)' has shapes \(mine.shapes), Keras \(keras.weights)")
                }
                XCTAssertEqual(graph.outputShape, [1000], "\(architecture)")
                XCTAssertEqual(graph.inputShape, [224, 224, 3], "\(architecture)")
            }
        }
    }

    /// Every Keras layer is a node with the same name and class; every other node is a
    /// fused activation split off (`<name>_activation`) or VGG's pooled feature branch.
    func testEveryKerasLayerIsANodeOfTheSameClass() throws {
        for architecture in Self.architectures {
            do {
                let listing = try Self.listing(architecture)
                let zoo = try architecture.build(ZooOptions(includeTop: true))
                let model = KerasModel(graph: zoo.graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
                let ourClasses = Dictionary(uniqueKeysWithValues: model.kerasLayers.map { ($0.name, $0.className) })
                var kerasNames = Set<String>()
                for pair in listing.all_layers {
                    let (name, className) = (pair[0], pair[1])
                    kerasNames.insert(name)
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
                    let vggFeatures = layer.name == "avg_pool" && (architecture == .vgg16 || architecture == .vgg19)
                    XCTAssertTrue(fused || vggFeatures, "\(architecture): node '\(layer.name)' is not a Keras layer")
                }
            }
        }
    }

    func testBlocksFeatureNodeAndHead() throws {
        let expected: [Architecture: (blocks: Int, first: String, last: String, features: Int, head: [String])] = [
            .vgg16: (5, "block1", "block5", 512,
                     ["flatten", "fc1", "fc1_activation", "fc2", "fc2_activation", "predictions", "predictions_activation", "avg_pool"]),
            .vgg19: (5, "block1", "block5", 512,
                     ["flatten", "fc1", "fc1_activation", "fc2", "fc2_activation", "predictions", "predictions_activation", "avg_pool"]),
            .resnet50: (17, "conv1", "conv5_block3", 2048, ["avg_pool", "predictions", "predictions_activation"]),
            .resnet101: (34, "conv1", "conv5_block3", 2048, ["avg_pool", "predictions", "predictions_activation"]),
            .resnet152: (51, "conv1", "conv5_block3", 2048, ["avg_pool", "predictions", "predictions_activation"]),
            .resnet50Legacy: (17, "conv1", "res5c", 2048, ["avg_pool", "fc1000", "fc1000_activation"]),
            .densenet121: (62, "conv1", "conv5_block16", 1024, ["avg_pool", "predictions", "predictions_activation"]),
        ]
        for architecture in Self.architectures {
            let want = expected[architecture]!
            // Blocks do not depend on the input size; a small input keeps this cheap.
            let zoo = try architecture.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
            XCTAssertEqual(zoo.blocks.count, want.blocks, "\(architecture): blocks \(zoo.blocks.map(\.name))")
            XCTAssertEqual(zoo.blocks.first?.name, want.first, "\(architecture)")
            XCTAssertEqual(zoo.blocks.last?.name, want.last, "\(architecture)")
            XCTAssertEqual(Set(zoo.blocks.map(\.name)).count, zoo.blocks.count, "\(architecture): block names are unique")
            XCTAssertEqual(zoo.graph.nodes[zoo.featureNode].layer?.name, "avg_pool", "\(architecture)")
            XCTAssertEqual(zoo.graph.nodes[zoo.featureNode].outputShape, [want.features], "\(architecture)")
            XCTAssertEqual(zoo.graph.outputNode, zoo.featureNode, "\(architecture): without the top the output is the feature vector")
            XCTAssertEqual(zoo.preprocessing, architecture == .densenet121 ? .torch : .caffe, "\(architecture)")

            // Blocks and head partition the layers, in graph order.
            let top = try architecture.build(ZooOptions(includeTop: true, inputSize: architecture == .vgg16 || architecture == .vgg19 ? (32, 32) : (64, 64), classes: 7))
            XCTAssertEqual(top.graph.outputShape, [7], "\(architecture)")
            XCTAssertEqual(top.graph.nodes[top.featureNode].outputShape, [want.features], "\(architecture)")
            let blocked = top.blocks.flatMap(\.layers)
            let all = top.graph.layers.map(\.name)
            XCTAssertEqual(blocked + want.head, all, "\(architecture): blocks then the head")
            for block in top.blocks {
                XCTAssertFalse(block.layers.isEmpty, "\(architecture): block \(block.name) is empty")
            }
        }
    }

    func testResidualBlocksAreNamedAsInKeras() throws {
        let zoo = try Architecture.resnet50.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        XCTAssertEqual(zoo.blocks[0].layers, ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool"])
        XCTAssertEqual(zoo.blocks[1].layers, [
            "conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu", "conv2_block1_2_conv", "conv2_block1_2_bn",
            "conv2_block1_2_relu", "conv2_block1_0_conv", "conv2_block1_3_conv", "conv2_block1_0_bn", "conv2_block1_3_bn",
            "conv2_block1_add", "conv2_block1_out",
        ])
        let dense = try Architecture.densenet121.build(ZooOptions(includeTop: false, inputSize: (64, 64)))
        XCTAssertEqual(dense.blocks.map(\.name).prefix(9),
                       ["conv1", "conv2_block1", "conv2_block2", "conv2_block3", "conv2_block4", "conv2_block5", "conv2_block6",
                        "pool2", "conv3_block1"])
        XCTAssertEqual(dense.blocks.last?.layers.suffix(2), ["bn", "relu"])
    }

    func testSmallInputsRunAndTooSmallOnesAreRefused() throws {
        for architecture in Self.architectures {
            let zoo = try architecture.build(ZooOptions(includeTop: false, inputSize: (32, 32)))
            let output = try zoo.graph.forward(Tensor(repeating: 0.5, shape: [1, 32, 32, 3]))
            XCTAssertEqual(output.shape, [1] + zoo.graph.nodes[zoo.featureNode].outputShape, "\(architecture)")
            XCTAssertThrowsError(try architecture.build(ZooOptions(includeTop: false, inputSize: (31, 64))), "\(architecture)")
        }
    }

    func testDetectionFromKerasLayerNames() throws {
        for architecture in Self.architectures {
            let listing = try Self.listing(architecture)
            let names = listing.layers.map(\.name)
            let detected = Architecture.detectClassic(layerNames: names)
            XCTAssertEqual(detected?.architecture, architecture, "\(architecture)")
            XCTAssertEqual(detected?.includeTop, true, "\(architecture)")
            let head: Set<String> = ["fc1", "fc2", "predictions", "fc1000"]
            let notop = Architecture.detectClassic(layerNames: names.filter { !head.contains($0) })
            XCTAssertEqual(notop?.architecture, architecture, "\(architecture) without the top")
            XCTAssertEqual(notop?.includeTop, false, "\(architecture) without the top")
        }
        XCTAssertNil(Architecture.detectClassic(layerNames: ["conv1", "conv1_bn", "conv_dw_1", "conv_pw_1"]))
        XCTAssertNil(Architecture.detectClassic(layerNames: ["block1_conv1", "block1_conv1_bn", "block1_conv2", "block5_conv3"]))
        XCTAssertNil(Architecture.detectClassic(layerNames: [String]()))
        // ResNet50V2 shares the block names but has pre-activation and `post_bn`.
        let v2 = try Self.listing(.resnet50).layers.map(\.name) + ["post_bn"]
        XCTAssertNil(Architecture.detectClassic(layerNames: v2))
    }
}
