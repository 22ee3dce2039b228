import XCTest
@testable import CNN

/// Inference batches of small networks run in slices of a few images (`Graph.run`): the outputs
/// of every fetched node equal a whole-batch run, with a last, shorter slice; training runs and
/// networks above the parameter limit run whole.
final class GraphSlicingTests: XCTestCase {
    private func makeGraph() throws -> (Graph, conv: Int) {
        var generator = SeededGenerator(seed: 151)
        let graph = Graph(inputShape: [6, 5, 3])
        let conv = try graph.add(randomized(&generator, Conv2D(name: "c", inputChannels: 3, filters: 8, kernelSize: (3, 3), padding: .same)))
        try graph.add(randomized(&generator, BatchNormalization(name: "bn", channels: 8)))
        try graph.add(Activation(name: "relu", kind: .relu6))
        try graph.add(GlobalAveragePooling2D(name: "gap"))
        try graph.add(randomized(&generator, Dense(name: "fc", inputUnits: 8, units: 5)))
        try graph.add(Activation(name: "softmax", kind: .softmax))
        return (graph, conv)
    }

    func testSlicedInferenceEqualsWholeBatch() throws {
        let (graph, conv) = try makeGraph()
        var generator = SeededGenerator(seed: 152)
        let input = generator.uniformTensor(shape: [11, 6, 5, 3], low: -2, high: 2)
        let savedSlice = Engine.inferenceSlice
        defer { Engine.inferenceSlice = savedSlice }
        Engine.inferenceSlice = 0
        let whole = try graph.run(feeding: [0: input], fetching: [conv, graph.outputNode], training: false)
        for slice in [1, 4, 5, 10] {
            Engine.inferenceSlice = slice
            let sliced = try graph.run(feeding: [0: input], fetching: [conv, graph.outputNode], training: false)
            XCTAssertEqual(sliced[conv]?.shape, [11, 6, 5, 8])
            assertClose(sliced[conv]!, whole[conv]!, absolute: 1e-6, relative: 1e-6, "slices of \(slice), conv")
            assertClose(sliced[graph.outputNode]!, whole[graph.outputNode]!, absolute: 1e-6, relative: 1e-6, "slices of \(slice), output")
        }
    }

    func testTrainingAndLargeNetworksRunWhole() throws {
        let (graph, _) = try makeGraph()
        var generator = SeededGenerator(seed: 153)
        let input = generator.uniformTensor(shape: [9, 6, 5, 3])
        let savedSlice = Engine.inferenceSlice, savedLimit = Engine.slicedParameterLimit
        defer { (Engine.inferenceSlice, Engine.slicedParameterLimit) = (savedSlice, savedLimit) }
        Engine.inferenceSlice = 2
        var batches = [Int]()
        graph.layerTimer = { layer, _ in if layer.name == "c" { batches.append(0) } }
        _ = try graph.forward(input)
        XCTAssertEqual(batches.count, 5, "9 images in slices of 2: five passes")
        batches = []
        _ = try graph.forward(input, training: true)
        XCTAssertEqual(batches.count, 1, "a training pass keeps its batch whole (backward needs one run)")
        batches = []
        Engine.slicedParameterLimit = 10
        _ = try graph.forward(input)
        XCTAssertEqual(batches.count, 1, "a network above the limit runs whole batches")
    }
}
