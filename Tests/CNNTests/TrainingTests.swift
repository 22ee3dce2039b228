import XCTest
@testable import CNN

/// The whole engine together: a tiny CNN from He-initialized weights learns a
/// small synthetic problem to near-zero training loss.
final class TrainingTests: XCTestCase {
    /// 8×8 single-channel images: class 0 has a bright horizontal bar, class 1 a
    /// vertical one, at random positions, on noise. Neither class is separable by
    /// mean brightness, so the convolution has to learn an oriented filter.
    func makeData(count: Int, generator: inout SeededGenerator) -> (Tensor, [Int]) {
        var images = Tensor(zeros: [count, 8, 8, 1])
        var labels = [Int]()
        for index in 0..<count {
            let label = index % 2
            labels.append(label)
            let position = Int(generator.next() % 6) + 1
            for y in 0..<8 {
                for x in 0..<8 {
                    let onBar = label == 0 ? y == position : x == position
                    images.scalars[(index * 8 + y) * 8 + x] = (onBar ? 1 : 0) + 0.1 * generator.nextUniform()
                }
            }
        }
        return (images, labels)
    }

    func testTinyCNNReachesNearZeroTrainingLoss() throws {
        var generator = SeededGenerator(seed: 42)
        let (images, labels) = makeData(count: 16, generator: &generator)

        let graph = Graph(inputShape: [8, 8, 1])
        let conv = try Conv2D(name: "conv", inputChannels: 1, filters: 8, kernelSize: (3, 3), padding: .same)
        conv.kernel.value = Initializer.heNormal.tensor(shape: conv.kernel.shape, using: &generator)
        try graph.add(conv)
        try graph.add(Activation(name: "relu", kind: .relu))
        try graph.add(try MaxPooling2D(name: "pool", poolSize: (2, 2)))
        try graph.add(GlobalMaxPooling2D(name: "gmp"))
        let dense = Dense(name: "logits", inputUnits: 8, units: 2)
        dense.kernel.value = Initializer.glorotUniform.tensor(shape: dense.kernel.shape, using: &generator)
        try graph.add(dense)

        let optimizer = Adam(learningRate: 0.05)
        var firstLoss: Float = 0
        var lastLoss: Float = .infinity
        for step in 0..<150 {
            graph.zeroGradients()
            let logits = try graph.forward(images, training: true)
            let result = try softmaxCrossEntropy(logits: logits, labels: labels)
            if step == 0 { firstLoss = result.loss }
            lastLoss = result.loss
            try graph.backward([graph.outputNode: result.gradient])
            optimizer.step(graph.trainableParameters)
        }
        XCTAssertGreaterThan(firstLoss, 0.5, "an untrained network should be unsure")
        XCTAssertLessThan(lastLoss, 0.02, "training loss after 150 Adam steps: \(lastLoss)")

        let logits = try graph.forward(images, training: false)
        for (index, label) in labels.enumerated() {
            let row = Array(logits.scalars[(index * 2)..<(index * 2 + 2)])
            XCTAssertEqual(row[label] > row[1 - label], true, "image \(index) misclassified: \(row)")
        }
    }

    func testGraphReleasesActivationsAndSkipsFrozenGradients() throws {
        var generator = SeededGenerator(seed: 5)
        let graph = Graph(inputShape: [4, 4, 2])
        let frozen = try Conv2D(name: "frozen", inputChannels: 2, filters: 3, kernelSize: (3, 3), padding: .same)
        frozen.kernel.value = generator.uniformTensor(shape: frozen.kernel.shape)
        frozen.isTrainable = false
        try graph.add(frozen)
        try graph.add(GlobalAveragePooling2D(name: "gap"))
        let head = Dense(name: "head", inputUnits: 3, units: 2)
        head.kernel.value = generator.uniformTensor(shape: head.kernel.shape)
        try graph.add(head)
        let input = generator.uniformTensor(shape: [2, 4, 4, 2])
        let output = try graph.forward(input, training: true)
        try graph.backward([graph.outputNode: generator.uniformTensor(shape: output.shape)])
        XCTAssertEqual(frozen.kernel.gradient.scalars.allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(head.kernel.gradient.scalars.contains { $0 != 0 }, true)
        XCTAssertEqual(graph.trainableParameters.map(\.name), ["kernel", "bias"])

        // Fetching an intermediate node from a fed activation runs only what is needed.
        let features = try graph.run(feeding: [0: input], fetching: [2], training: false)
        XCTAssertEqual(features.keys.sorted(), [2])
        let fromFeatures = try graph.run(feeding: [2: features[2]!], fetching: [3], training: false)[3]!
        assertClose(fromFeatures, try graph.forward(input))
    }
}
