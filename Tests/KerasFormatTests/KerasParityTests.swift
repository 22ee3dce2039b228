import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest

/// Loads real Keras files in every layout and checks tl's forward pass against Keras's output
/// (max |tl − keras| ≤ 1e-4 · (1 + max |keras|)), and that every loaded weight is the stored
/// array itself (loading never transposes).
///
/// Full-model files go through `KerasLoader.loadFullModel`. Weights-only files are loaded onto
/// the graph of the same model's full-model file after zeroing all its weights: Keras 2 files by
/// order, by name and by exact names; Keras 3 `.weights.h5` files by Keras 3's keys.
final class KerasParityTests: XCTestCase {
    // MARK: Models in every layout

    func testConvolutionsAndBatchNormalization() throws { try checkModel("convs") }
    func testActivations() throws { try checkModel("acts") }
    func testPoolingPaddingReshape() throws { try checkModel("pools") }
    func testSqueezeExcitationBlock() throws { try checkModel("se") }
    func testRescalingAndNormalization() throws { try checkModel("prep") }
    func testSequentialWithoutInputLayer() throws { try checkModel("tiny") }
    func testSequentialWithInputLayer() throws { try checkModel("seq", weightsFiles: false) }

    /// '/' in layer names nests groups in HDF5 (old keras.applications DenseNet). Keras 3 refuses such names.
    func testLayerNamesWithSlash() throws { try checkModel("slash", keras3: false) }

    // MARK: Crafted files

    /// Keras 1 dataset names (`conv_W_1:0`, `conv_b_1:0`, directly in the layer group) and no
    /// keras_version attribute, as in the official VGG16 weights file.
    func testKeras1DatasetNames() throws {
        let expected = try KerasFixtures.expected("tiny")
        let model = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("tiny_k2.h5")))
        let weights = try KerasFile(path: KerasFixtures.path("tiny_keras1_k2w.h5"))
        XCTAssertEqual(weights.layout, .weightsOnly)
        XCTAssertNil(weights.kerasVersion)
        XCTAssertEqual(try weights.storedLayers().first?.weights.map(\.name), ["conv_W_1:0", "conv_b_1:0"])
        try assertLoadsEveryWay(weights, into: model, input: expected.input, expected: expected.keras2!,
                                label: "tiny_keras1_k2w.h5")
    }

    /// `layer_names` split into `layer_names0`, `layer_names1` (and `weight_names0..2`), as Keras
    /// writes attributes that would overflow the object header.
    func testSplitNameAttributes() throws {
        let expected = try KerasFixtures.expected("tiny")
        let full = try KerasFile(path: KerasFixtures.path("tiny_split_k2.h5"))
        let model = try KerasLoader.loadFullModel(full)
        assertMatchesKeras(try model.graph.forward(expected.input), expected.keras2!, "tiny_split_k2.h5")
        try assertWeightsAreStored(model, full)

        let weights = try KerasFile(path: KerasFixtures.path("tiny_split_k2w.h5"))
        XCTAssertEqual(weights.layout, .weightsOnly)
        XCTAssertEqual(try weights.storedLayerNames(), ["conv", "bn", "dense"])
        try assertLoadsEveryWay(weights, into: model, input: expected.input, expected: expected.keras2!,
                                label: "tiny_split_k2w.h5")
    }

    /// A Sequential config without an InputLayer, `batch_input_shape` on its first layer (older Keras 2).
    func testSequentialConfigWithoutInputLayer() throws {
        let expected = try KerasFixtures.expected("tiny")
        let full = try KerasFile(path: KerasFixtures.path("tiny_legacy_k2.h5"))
        XCTAssertEqual(full.modelConfig?.layers.first?.className, "InputLayer")
        let model = try KerasLoader.loadFullModel(full)
        XCTAssertEqual(model.graph.inputShape, [5, 6, 3])
        assertMatchesKeras(try model.graph.forward(expected.input), expected.keras2!, "tiny_legacy_k2.h5")
    }

    // MARK: Across versions

    /// Keras 3 weights onto the graph of the tf_keras file, and Keras 2 weights onto the graph of
    /// the Keras 3 file: the two versions must agree on layer order and weight order.
    func testWeightsAcrossKerasVersions() throws {
        for name in ["convs", "pools", "se", "prep", "tiny"] {
            let expected = try KerasFixtures.expected(name)
            let fromKeras2 = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("\(name)_k2.h5")))
            zeroAllWeights(fromKeras2)
            try KerasLoader.loadWeights(KerasFile(path: KerasFixtures.path("\(name).weights.h5")),
                                        into: fromKeras2, matching: .byOrder)
            assertMatchesKeras(try fromKeras2.graph.forward(expected.input), expected.keras2!,
                               "\(name).weights.h5 onto the graph of \(name)_k2.h5")

            let fromKeras3 = try KerasLoader.loadFullModel(KerasFile(path: KerasFixtures.path("\(name)_k3.h5")))
            for matching in [WeightLoader.Matching.byOrder, .byName] {
                zeroAllWeights(fromKeras3)
                try KerasLoader.loadWeights(KerasFile(path: KerasFixtures.path("\(name)_k2w.h5")),
                                            into: fromKeras3, matching: matching)
                assertMatchesKeras(try fromKeras3.graph.forward(expected.input), expected.keras2!,
                                   "\(name)_k2w.h5 \(matching) onto the graph of \(name)_k3.h5")
            }
        }
    }

    // MARK: Helpers

    /// A Keras 2 weights file loaded by order, by name and by exact names, each onto zeroed
    /// weights, gives Keras's output and leaves every stored value in place.
    private func assertLoadsEveryWay(_ weights: KerasFile, into model: KerasModel, input: Tensor, expected: Tensor, label: String,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        for matching in [WeightLoader.Matching.byOrder, .byName, .exactNames] {
            zeroAllWeights(model)
            try KerasLoader.loadWeights(weights, into: model, matching: matching)
            assertMatchesKeras(try model.graph.forward(input), expected, "\(label) \(matching)", file: file, line: line)
            try assertWeightsAreStored(model, weights, file: file, line: line)
        }
    }

    /// Every layout of one model: `<name>_k2.h5`, `<name>_k2w.h5`, `<name>_k3.h5`, `<name>.weights.h5`.
    private func checkModel(_ name: String, keras3: Bool = true, weightsFiles: Bool = true,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try KerasFixtures.expected(name)
        let input = expected.input
        var versions = [(suffix: "k2", output: expected.keras2!, weights: "\(name)_k2w.h5")]
        if keras3 { versions.append(("k3", expected.keras3!, "\(name).weights.h5")) }
        for version in versions {
            let fullPath = KerasFixtures.path("\(name)_\(version.suffix).h5")
            let full = try KerasFile(path: fullPath)
            XCTAssertEqual(full.layout, .fullModel, file: file, line: line)
            XCTAssertEqual(full.kerasVersion?.first, version.suffix == "k2" ? "2" : "3", file: file, line: line)
            let model = try KerasLoader.loadFullModel(full)
            assertMatchesKeras(try model.graph.forward(input), version.output, "\(name)_\(version.suffix).h5 full model",
                               file: file, line: line)
            try assertWeightsAreStored(model, full, file: file, line: line)
            guard weightsFiles else { continue }

            let weights = try KerasFile(path: KerasFixtures.path(version.weights))
            if version.suffix == "k2" {
                XCTAssertEqual(weights.layout, .weightsOnly, file: file, line: line)
                try assertLoadsEveryWay(weights, into: model, input: input, expected: version.output, label: version.weights,
                                        file: file, line: line)
            } else {
                XCTAssertEqual(weights.layout, .keras3Weights, file: file, line: line)
                zeroAllWeights(model)
                try KerasLoader.loadWeights(weights, into: model, matching: .byOrder)
                assertMatchesKeras(try model.graph.forward(input), version.output, "\(version.weights) Keras 3 keys",
                                   file: file, line: line)
                try assertKeras3WeightsAreStored(model, weights, file: file, line: line)
            }
        }
    }

    /// Reads the Keras 2 layout independently of `KerasFile.storedLayers` and checks every
    /// parameter of the named layer holds exactly the stored array, in the stored shape.
    private func assertWeightsAreStored(_ model: KerasModel, _ kerasFile: KerasFile,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let root: Group = kerasFile.layout == .fullModel ? try kerasFile.file.group(at: "model_weights") : kerasFile.file
        var checked = 0
        for layerName in try root.stringArrayAttribute(named: "layer_names") {
            let group = try root.group(at: layerName)
            let weightNames = (try? group.stringArrayAttribute(named: "weight_names")) ?? []
            guard !weightNames.isEmpty else { continue }
            guard let entry = model.kerasLayers.first(where: { $0.name == layerName }) else {
                XCTFail("\(kerasFile.path): layer \(layerName) not in the model", file: file, line: line)
                continue
            }
            let parameters = entry.layer.parameters
            XCTAssertEqual(parameters.count, weightNames.count, "\(layerName)", file: file, line: line)
            for (weightName, parameter) in zip(weightNames, parameters) {
                let dataset = try group.dataset(at: weightName)
                XCTAssertEqual(parameter.shape, dataset.shape, "\(layerName)/\(weightName)", file: file, line: line)
                XCTAssertEqual(parameter.value.scalars, try dataset.readFloats(), "\(layerName)/\(weightName)",
                               file: file, line: line)
                checked += 1
            }
        }
        XCTAssertEqual(checked, model.kerasLayers.reduce(0) { $0 + $1.layer.parameters.count },
                       "\(kerasFile.path): every parameter has a stored weight", file: file, line: line)
    }

    /// The same for a Keras 3 weights file, through the layer name Keras 3.15 stores in `vars`.
    private func assertKeras3WeightsAreStored(_ model: KerasModel, _ kerasFile: KerasFile,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let layers = try kerasFile.file.group(at: "layers")
        var checked = 0
        for key in try layers.memberNames() {
            let vars = try layers.group(at: "\(key)/vars")
            let indices = try vars.memberNames().compactMap(Int.init).sorted()
            guard !indices.isEmpty else { continue }
            let layerName = try vars.stringAttribute(named: "name")
            guard let entry = model.kerasLayers.first(where: { $0.name == layerName }) else {
                XCTFail("\(kerasFile.path): layers/\(key) (\(layerName)) not in the model", file: file, line: line)
                continue
            }
            let parameters = entry.layer.parameters
            XCTAssertEqual(parameters.count, indices.count, "layers/\(key)", file: file, line: line)
            for (index, parameter) in zip(indices, parameters) {
                let dataset = try vars.dataset(at: String(index))
                XCTAssertEqual(parameter.shape, dataset.shape, "layers/\(key)/vars/\(index)", file: file, line: line)
                XCTAssertEqual(parameter.value.scalars, try dataset.readFloats(), "layers/\(key)/vars/\(index)",
                               file: file, line: line)
                checked += 1
            }
        }
        XCTAssertEqual(checked, model.kerasLayers.reduce(0) { $0 + $1.layer.parameters.count },
                       "\(kerasFile.path): every parameter has a stored weight", file: file, line: line)
    }
}
