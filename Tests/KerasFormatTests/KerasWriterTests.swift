import CNN
import Foundation
import HDF5
@testable import KerasFormat
import XCTest

/// Saving and reading back: a model written by tl is a Keras full-model file that
/// tl reads to the same numbers. (That tf_keras and Keras 3 read it too is checked by
/// `make parity`, which runs scripts/parity/check_roundtrip.py on the file written here.)
final class KerasWriterTests: XCTestCase {
    func makeModel() throws -> KerasModel {
        var generator = SeededGenerator(seed: 99)
        let graph = Graph(inputShape: [9, 11, 3], inputName: "image")
        try graph.add(Rescaling(name: "rescale", scale: 1 / 127.5, offset: -1))
        let stem = try Conv2D(name: "stem", inputChannels: 3, filters: 6, kernelSize: (3, 3), strides: (2, 2), padding: .same)
        try graph.add(stem)
        let bn = BatchNormalization(name: "stem_bn", channels: 6, epsilon: 1.001e-5)
        try graph.add(bn)
        let relu = try graph.add(Activation(name: "stem_relu", kind: .relu6))
        let dw = try DepthwiseConv2D(name: "dw", inputChannels: 6, kernelSize: (3, 3), padding: .same, depthMultiplier: 2, useBias: false)
        try graph.add(dw)
        try graph.add(Activation(name: "dw_swish", kind: .swish))
        let squeeze = try graph.add(GlobalAveragePooling2D(name: "se_squeeze", keepdims: true))
        let gate = try Conv2D(name: "se_gate", inputChannels: 12, filters: 12, kernelSize: (1, 1))
        let gateNode = try graph.add(gate, inputs: [squeeze])
        let sigmoid = try graph.add(Activation(name: "se_sigmoid", kind: .sigmoid), inputs: [gateNode])
        let excite = try graph.add(Multiply(name: "se_excite"), inputs: [graph.nodes.count - 4, sigmoid])
        let project = try Conv2D(name: "project", inputChannels: 12, filters: 6, kernelSize: (1, 1), useBias: false)
        let projected = try graph.add(project, inputs: [excite])
        let added = try graph.add(Add(name: "add"), inputs: [projected, relu])
        let pad = try graph.add(ZeroPadding2D(name: "pad", top: 0, bottom: 1, left: 1, right: 0), inputs: [added])
        let sep = try SeparableConv2D(name: "sep", inputChannels: 6, filters: 4, kernelSize: (3, 3), padding: .valid)
        try graph.add(sep, inputs: [pad])
        try graph.add(try MaxPooling2D(name: "pool", poolSize: (2, 2), padding: .same))
        try graph.add(GlobalAveragePooling2D(name: "avg_pool"))
        try graph.add(try Dropout(name: "dropout", rate: 0.2))
        let head = Dense(name: "predictions", inputUnits: 4, units: 3)
        try graph.add(head)
        try graph.add(Activation(name: "predictions_softmax", kind: .softmax))
        for layer in graph.layers {
            for parameter in layer.parameters {
                let positive = parameter.name == "moving_variance"
                parameter.value = generator.uniformTensor(shape: parameter.shape, low: positive ? 0.5 : -0.5,
                                                          high: positive ? 1.5 : 0.5)
            }
        }
        return KerasModel(graph: graph, name: "writer_test", classNames: ["stem_relu": "ReLU"])
    }

    func testSavedModelReadsBackToTheSameOutputs() throws {
        let model = try makeModel()
        var generator = SeededGenerator(seed: 5)
        let input = generator.uniformTensor(shape: [2, 9, 11, 3], low: 0, high: 255)
        let expected = try model.graph.forward(input)
        XCTAssertLessThan(expected.scalars.max() ?? 1, 0.99, "probabilities should not saturate, or the check proves little")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tl-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.h5").path
        try KerasWriter.save(model, to: path, metadata: ["class_names": "[\"a\", \"b\", \"c\"]"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.h5"],
                       "no temporary file is left behind")

        let file = try KerasFile(path: path)
        XCTAssertEqual(file.layout, .fullModel)
        XCTAssertEqual(file.stringListAttribute(named: "class_names"), ["a", "b", "c"])
        let reloaded = try KerasLoader.loadFullModel(file)
        XCTAssertEqual(reloaded.graph.layers.map(\.name), model.graph.layers.map(\.name))
        let output = try reloaded.graph.forward(input)
        XCTAssertEqual(output.shape, expected.shape)
        let worst = zip(output.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-6, "largest difference after the round trip")

        if let out = ProcessInfo.processInfo.environment["TL_ROUNDTRIP_DIR"] {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: out + "/model.h5")
            try FileManager.default.copyItem(atPath: path, toPath: out + "/model.h5")
            let io = try File(creating: out + "/io.h5")
            try io.createDataset(at: "input", values: input.scalars, shape: input.shape)
            try io.createDataset(at: "output", values: expected.scalars, shape: expected.shape)
        }
    }
}
