import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest

/// Bad files give a typed error whose message names the file and, where there is one, the layer
/// and the shapes; nothing crashes.
final class KerasLoaderErrorTests: XCTestCase {
    private func message(_ error: Error?) -> String { error?.localizedDescription ?? "" }

    private func assertMentions(_ text: String, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        for part in parts {
            XCTAssertTrue(text.contains(part), "'\(text)' does not mention '\(part)'", file: file, line: line)
        }
    }

    func testMissingFile() {
        let path = KerasFixtures.path("no_such_model.h5")
        let error = expectError(HDF5Error.self, try KerasFile(path: path))
        XCTAssertEqual(error?.kind, .fileNotFound)
        assertMentions(message(error), [path])
    }

    func testTextFileNamedH5() {
        let path = KerasFixtures.path("bad_text.h5")
        let error = expectError(HDF5Error.self, try KerasFile(path: path))
        XCTAssertEqual(error?.kind, .notHDF5File)
        assertMentions(message(error), [path, "not an HDF5 file"])
    }

    func testTruncatedFile() {
        let path = KerasFixtures.path("bad_truncated.h5")
        let error = expectError(HDF5Error.self, try KerasFile(path: path))
        assertMentions(message(error), [path])
        print("[keras-errors] truncated: \(message(error))")
    }

    func testHDF5FileThatIsNotKeras() {
        let path = KerasFixtures.path("bad_not_keras.h5")
        let error = expectError(KerasFormatError.self, try KerasFile(path: path))
        guard case .notKeras? = error else { return XCTFail("\(String(describing: error))") }
        assertMentions(message(error), [path, "not a Keras"])
    }

    func testWeightsWithWrongShapesByOrderAndByName() throws {
        let model = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("tiny_k2.h5")))
        let path = KerasFixtures.path("bad_shapes_k2w.h5")
        for matching in [WeightLoader.Matching.byOrder, .byName, .exactNames] {
            let error = expectError(KerasFormatError.self,
                                    try KerasLoader.loadWeights(KerasFile(path: path), into: model, matching: matching))
            XCTAssertEqual(error, .weightShapeMismatch(file: path, layer: "conv", weight: "conv/kernel:0",
                                                       expected: [3, 3, 3, 3], actual: [3, 3, 3, 4]))
            assertMentions(message(error), [path, "'conv'", "conv/kernel:0", "[3, 3, 3, 3]", "[3, 3, 3, 4]"])
            print("[keras-errors] \(matching): \(message(error))")
        }
    }

    func testKeras3WeightsWithWrongShapes() throws {
        let model = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("tiny_k3.h5")))
        let path = KerasFixtures.path("bad_shapes.weights.h5")
        let error = expectError(KerasFormatError.self,
                                try KerasLoader.loadWeights(KerasFile(path: path), into: model, matching: .byOrder))
        guard case let .weightShapeMismatch(file, layer, weight, expected, actual)? = error else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(file, path)
        XCTAssertTrue(layer.contains("conv"), layer)
        XCTAssertEqual(weight, "layers/conv2d/vars/0")
        XCTAssertEqual(expected, [3, 3, 3, 3])
        XCTAssertEqual(actual, [3, 3, 3, 4])
        print("[keras-errors] Keras 3: \(message(error))")
    }

    func testUnsupportedLayerClass() {
        let path = KerasFixtures.path("bad_conv1d_k2.h5")
        let error = expectError(KerasFormatError.self, try KerasLoader.loadFullModel(KerasFile(path: path)))
        XCTAssertEqual(error, .unsupportedLayer(file: path, layer: "temporal_conv", className: "Conv1D"))
        assertMentions(message(error), [path, "temporal_conv", "Conv1D"])
    }

    func testChannelsFirstIsRefused() {
        let path = KerasFixtures.path("bad_channels_first_k2.h5")
        let error = expectError(KerasFormatError.self, try KerasLoader.loadFullModel(KerasFile(path: path)))
        guard case let .unsupportedOption(file, layer, reason)? = error else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(file, path)
        XCTAssertEqual(layer, "conv_cf")
        XCTAssertTrue(reason.contains("channels_first"), reason)
    }

    func testFullModelFromWeightsOnlyFile() {
        let path = KerasFixtures.path("tiny_k2w.h5")
        let error = expectError(KerasFormatError.self, try KerasLoader.loadFullModel(KerasFile(path: path)))
        guard case .notKeras? = error else { return XCTFail("\(String(describing: error))") }
        assertMentions(message(error), [path])
    }

    /// Weights of another architecture: by name nothing matches, by order the first layer's shapes differ.
    func testWeightsOfAnotherModel() throws {
        let model = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("seq_k2.h5")))
        let path = KerasFixtures.path("tiny_k2w.h5")
        let byName = expectError(KerasFormatError.self,
                                 try KerasLoader.loadWeights(KerasFile(path: path), into: model, matching: .byName))
        assertMentions(message(byName), [path])
        let exact = expectError(KerasFormatError.self,
                                try KerasLoader.loadWeights(KerasFile(path: path), into: model, matching: .exactNames))
        assertMentions(message(exact), [path, "conv1"])
        let byOrder = expectError(KerasFormatError.self,
                                  try KerasLoader.loadWeights(KerasFile(path: path), into: model, matching: .byOrder))
        assertMentions(message(byOrder), [path, "conv1"])
        print("[keras-errors] another model: \(message(byName)) | \(message(exact)) | \(message(byOrder))")

        let keras3 = expectError(KerasFormatError.self,
                                 try KerasLoader.loadWeights(KerasFile(path: KerasFixtures.path("convs.weights.h5")),
                                                             into: model, matching: .byOrder))
        assertMentions(message(keras3), [KerasFixtures.path("convs.weights.h5")])
        print("[keras-errors] Keras 3 of another model: \(message(keras3))")
    }

    /// A failed load leaves no half-loaded layer behind with a wrong shape.
    func testFailedLoadKeepsShapes() throws {
        let model = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("tiny_k2.h5")))
        let shapes = model.kerasLayers.map { $0.layer.parameters.map(\.shape) }
        _ = try? KerasLoader.loadWeights(KerasFile(path: KerasFixtures.path("bad_shapes_k2w.h5")), into: model,
                                         matching: .byOrder)
        XCTAssertEqual(model.kerasLayers.map { $0.layer.parameters.map(\.shape) }, shapes)
    }
}

/// `kerasSnakeCase` against `keras.src.utils.naming.to_snake_case` (Keras 3.15), the values
/// printed by make_keras_fixtures.py.
final class KerasSnakeCaseTests: XCTestCase {
    func testRealClassNames() {
        let expected = [
            "Conv2D": "conv2d",
            "DepthwiseConv2D": "depthwise_conv2d",
            "BatchNormalization": "batch_normalization",
            "GlobalAveragePooling2D": "global_average_pooling2d",
            "ReLU": "re_lu",
            "SeparableConv2D": "separable_conv2d",
            "Dense": "dense",
            "InputLayer": "input_layer",
            "LeakyReLU": "leaky_re_lu",
            "ZeroPadding2D": "zero_padding2d",
            "MaxPooling2D": "max_pooling2d",
            "Normalization": "normalization",
            "Conv2DTranspose": "conv2d_transpose",
            "PReLU": "p_re_lu",
            "ELU": "elu",
            "Conv1D": "conv1d",
            "UpSampling2D": "up_sampling2d",
            "Rescaling": "rescaling",
            "Activation": "activation",
            "HTTPServer": "http_server",
            "ABCDef": "abc_def",
        ]
        for (name, snake) in expected {
            XCTAssertEqual(kerasSnakeCase(name), snake, name)
        }
    }
}
