import XCTest
@testable import CNN

final class InferenceFusionTests: XCTestCase {
    /// conv → BN → ReLU6, conv → BN (feeding an Add), conv → ReLU: the fused graph gives
    /// the unfused outputs, keeps preserved nodes' values, and training undoes the fusion.
    func makeGraph() throws -> (Graph, [Int]) {
        var generator = SeededGenerator(seed: 31)
        let graph = Graph(inputShape: [7, 6, 3])
        let c1 = try Conv2D(name: "c1", inputChannels: 3, filters: 5, kernelSize: (3, 3), strides: (2, 2), padding: .same)
        let b1 = BatchNormalization(name: "b1", channels: 5)
        let c2 = try Conv2D(name: "c2", inputChannels: 5, filters: 5, kernelSize: (1, 1), useBias: false)
        let b2 = BatchNormalization(name: "b2", channels: 5, epsilon: 1.001e-5)
        let c3 = try Conv2D(name: "c3", inputChannels: 5, filters: 5, kernelSize: (3, 3), padding: .same)
        for layer in [c1, b1, c2, b2, c3] as [Layer] { _ = randomized(&generator, layer) }
        let n1 = try graph.add(c1)
        let n2 = try graph.add(b1)
        let n3 = try graph.add(Activation(name: "r1", kind: .relu6))
        let n4 = try graph.add(c2)
        let n5 = try graph.add(b2)
        let n6 = try graph.add(c3, inputs: [n3])
        let n7 = try graph.add(Activation(name: "r3", kind: .relu), inputs: [n6])
        let n8 = try graph.add(Add(name: "add"), inputs: [n5, n7])
        let n9 = try graph.add(Activation(name: "out", kind: .relu))
        return (graph, [n1, n2, n3, n4, n5, n6, n7, n8, n9])
    }

    func testFusedOutputsMatchUnfused() throws {
        try forEachConvolutionBackend { oneDNN in try fusedOutputsMatchUnfused(oneDNN: oneDNN) }
    }

    private func fusedOutputsMatchUnfused(oneDNN: Bool) throws {
        let (graph, nodes) = try makeGraph()
        var generator = SeededGenerator(seed: 32)
        let input = generator.uniformTensor(shape: [2, 7, 6, 3])
        let expected = try graph.forward(input)
        graph.fuseForInference()
        XCTAssertTrue(graph.isFused)
        XCTAssertNotNil((graph.nodes[nodes[0]].layer as? Conv2D)?.epilogue)
        XCTAssertEqual((graph.nodes[nodes[7]].layer as? Add)?.fusedActivation, .relu)
        assertClose(try graph.forward(input), expected, absolute: 1e-5, relative: 1e-5, "fused, oneDNN \(oneDNN)")
        _ = try graph.forward(input, training: true)
        XCTAssertFalse(graph.isFused, "a training pass undoes the fusion")
    }

    func testPreservedNodesKeepTheirValues() throws {
        try forEachConvolutionBackend { oneDNN in try preservedNodesKeepTheirValues(oneDNN: oneDNN) }
    }

    private func preservedNodesKeepTheirValues(oneDNN: Bool) throws {
        let (graph, nodes) = try makeGraph()
        var generator = SeededGenerator(seed: 33)
        let input = generator.uniformTensor(shape: [1, 7, 6, 3])
        let expected = try graph.run(feeding: [0: input], fetching: [nodes[1], nodes[3]], training: false)
        graph.fuseForInference(preserving: [nodes[1], nodes[3]])
        let fused = try graph.run(feeding: [0: input], fetching: [nodes[1], nodes[3]], training: false)
        assertClose(fused[nodes[1]]!, expected[nodes[1]]!, absolute: 1e-5, relative: 1e-5, "preserved BN output, oneDNN \(oneDNN)")
        assertClose(fused[nodes[3]]!, expected[nodes[3]]!, absolute: 1e-5, relative: 1e-5, "preserved conv output, oneDNN \(oneDNN)")
        XCTAssertEqual((graph.nodes[nodes[0]].layer as? Conv2D)?.epilogue?.activation, .linear,
                       "the BN is fused, the activation after the preserved BN is not")
    }

    /// ResNet's stem: conv → BN → ReLU → zero padding → 3×3 stride-2 max pooling, the padding
    /// folded into the pooling; and a padding before a `same` pooling (where TensorFlow's own
    /// padding must not win) and before a pooling of negative values (where the zeros must).
    func testZeroPaddingFoldsIntoValidMaxPooling() throws {
        var generator = SeededGenerator(seed: 38)
        let graph = Graph(inputShape: [10, 9, 3])
        try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 3, filters: 16, kernelSize: (3, 3), padding: .same)))
        try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 16)))
        try graph.add(Activation(name: "r1", kind: .relu))
        let p1 = try graph.add(ZeroPadding2D(name: "pool1_pad", padding: 1))
        let m1 = try graph.add(MaxPooling2D(name: "pool1_pool", poolSize: (3, 3), strides: (2, 2)))
        let c2 = try graph.add(randomized(&generator, Conv2D(name: "c2", inputChannels: 16, filters: 8, kernelSize: (1, 1))))
        let p2 = try graph.add(ZeroPadding2D(name: "p2", top: 1, bottom: 0, left: 0, right: 2))
        let m2 = try graph.add(MaxPooling2D(name: "m2", poolSize: (2, 2), strides: (1, 1)))
        let p3 = try graph.add(ZeroPadding2D(name: "p3", padding: 1), inputs: [c2])
        let m3 = try graph.add(MaxPooling2D(name: "m3", poolSize: (3, 3), strides: (2, 2), padding: .same))
        let g2 = try graph.add(GlobalAveragePooling2D(name: "g2"), inputs: [m2])
        let g3 = try graph.add(GlobalAveragePooling2D(name: "g3"), inputs: [m3])
        try graph.add(Concatenate(name: "join"), inputs: [g2, g3])
        let input = generator.uniformTensor(shape: [2, 10, 9, 3], low: -2, high: 2)
        let expected = try graph.forward(input)
        graph.fuseForInference()
        XCTAssertTrue((graph.nodes[p1].layer as! ZeroPadding2D).isBypassed)
        XCTAssertEqual((graph.nodes[m1].layer as! MaxPooling2D).absorbedBorder, ZeroBorder(top: 1, bottom: 1, left: 1, right: 1))
        XCTAssertEqual((graph.nodes[m2].layer as! MaxPooling2D).absorbedBorder, ZeroBorder(top: 1, bottom: 0, left: 0, right: 2))
        XCTAssertFalse((graph.nodes[p3].layer as! ZeroPadding2D).isBypassed, "a `same` pooling keeps its padded copy")
        XCTAssertEqual((graph.nodes[m3].layer as! MaxPooling2D).absorbedBorder, .none)
        XCTAssertTrue((graph.nodes[p2].layer as! ZeroPadding2D).isBypassed)
        assertClose(try graph.forward(input), expected, absolute: 1e-5, relative: 1e-5, "fused")
        graph.unfuse()
        XCTAssertEqual((graph.nodes[m1].layer as! MaxPooling2D).absorbedBorder, .none)
        XCTAssertFalse(graph.isFused)
    }

    /// The mobile-network chains: zero padding → depthwise (stride 2, valid) → BN → ReLU6,
    /// zero padding → 3×3 conv → BN → ReLU, zero padding → 1×1 conv (not a plain GEMM any
    /// more), depthwise 5×5 `same` with a depth multiplier → BN. 19 channels take both the
    /// 16-wide SIMD path and the remainder.
    func testMobileChainsFuseToTheUnfusedOutputs() throws {
        try forEachConvolutionBackend { oneDNN in try mobileChainsFuseToTheUnfusedOutputs(oneDNN: oneDNN) }
    }

    private func mobileChainsFuseToTheUnfusedOutputs(oneDNN: Bool) throws {
        var generator = SeededGenerator(seed: 34)
        let graph = Graph(inputShape: [9, 8, 19])
        let p1 = try graph.add(ZeroPadding2D(name: "p1", top: 0, bottom: 1, left: 0, right: 1))
        let d1 = try graph.add(randomized(&generator, DepthwiseConv2D(name: "d1", inputChannels: 19, kernelSize: (3, 3), strides: (2, 2),
                                                         useBias: false)))
        try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 19)))
        try graph.add(Activation(name: "r1", kind: .relu6))
        let p2 = try graph.add(ZeroPadding2D(name: "p2", padding: 1))
        let c2 = try graph.add(randomized(&generator, Conv2D(name: "c2", inputChannels: 19, filters: 7, kernelSize: (3, 3))))
        try graph.add(randomized(&generator, BatchNormalization(name: "b2", channels: 7)))
        try graph.add(Activation(name: "r2", kind: .relu))
        try graph.add(ZeroPadding2D(name: "p3", top: 1, bottom: 0, left: 2, right: 1))
        let c3 = try graph.add(randomized(&generator, Conv2D(name: "c3", inputChannels: 7, filters: 6, kernelSize: (1, 1))))
        let d4 = try graph.add(randomized(&generator, DepthwiseConv2D(name: "d4", inputChannels: 6, kernelSize: (5, 5), padding: .same,
                                                         depthMultiplier: 2)))
        try graph.add(randomized(&generator, BatchNormalization(name: "b4", channels: 12)))
        let input = generator.uniformTensor(shape: [2, 9, 8, 19], low: -2, high: 2)
        let expected = try graph.forward(input)
        graph.fuseForInference()
        XCTAssertTrue((graph.nodes[p1].layer as! ZeroPadding2D).isBypassed)
        XCTAssertTrue((graph.nodes[p2].layer as! ZeroPadding2D).isBypassed)
        XCTAssertEqual((graph.nodes[d1].layer as! DepthwiseConv2D).epilogue?.activation, .relu6)
        XCTAssertEqual((graph.nodes[c2].layer as! Conv2D).absorbedBorder, ZeroBorder(top: 1, bottom: 1, left: 1, right: 1))
        XCTAssertEqual((graph.nodes[c3].layer as! Conv2D).absorbedBorder, ZeroBorder(top: 1, bottom: 0, left: 2, right: 1))
        XCTAssertNotNil((graph.nodes[d4].layer as! DepthwiseConv2D).epilogue)
        assertClose(try graph.forward(input), expected, absolute: 1e-5, relative: 1e-5, "fused mobile chains, oneDNN \(oneDNN)")
        _ = try graph.forward(input, training: true)
        XCTAssertFalse(graph.isFused, "a training pass undoes the fusion")
        XCTAssertEqual((graph.nodes[c2].layer as! Conv2D).absorbedBorder, .none)
    }

    /// A frozen base (conv → BN → ReLU6 → padding → depthwise → BN; the first BN also feeds a
    /// trained side branch) under a trained top: a training run fuses only the
    /// base, and gives the outputs and gradients of the same step fed with the base's
    /// inference outputs.
    func testTrainingRunFusesOnlyTheFrozenPart() throws {
        try forEachConvolutionBackend { oneDNN in try trainingRunFusesOnlyTheFrozenPart(oneDNN: oneDNN) }
    }

    private func trainingRunFusesOnlyTheFrozenPart(oneDNN: Bool) throws {
        var generator = SeededGenerator(seed: 35)
        let graph = Graph(inputShape: [8, 8, 3])
        let c1 = try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 3, filters: 16, kernelSize: (3, 3), padding: .same)))
        let b1 = try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 16)))
        try graph.add(Activation(name: "r1", kind: .relu6))
        try graph.add(ZeroPadding2D(name: "p2", top: 0, bottom: 1, left: 0, right: 1))
        let d2 = try graph.add(randomized(&generator, DepthwiseConv2D(name: "d2", inputChannels: 16, kernelSize: (3, 3), strides: (2, 2))))
        let frontier = try graph.add(randomized(&generator, BatchNormalization(name: "b2", channels: 16)))
        let c3 = try graph.add(randomized(&generator, Conv2D(name: "c3", inputChannels: 16, filters: 8, kernelSize: (1, 1))))
        try graph.add(randomized(&generator, BatchNormalization(name: "b3", channels: 8)))
        try graph.add(Activation(name: "r3", kind: .relu))
        try graph.add(GlobalAveragePooling2D(name: "gap"))
        let pooled = graph.nodes.count - 1
        try graph.add(randomized(&generator, Conv2D(name: "side_conv", inputChannels: 16, filters: 4, kernelSize: (1, 1))), inputs: [b1])
        let side = try graph.add(GlobalAveragePooling2D(name: "side"))
        let joined = try graph.add(Concatenate(name: "join"), inputs: [pooled, side])
        let output = try graph.add(randomized(&generator, Dense(name: "fc", inputUnits: 12, units: 3)), inputs: [joined])
        for index in 1...frontier { graph.nodes[index].layer!.isTrainable = false }
        let input = generator.uniformTensor(shape: [2, 8, 8, 3], low: -2, high: 2)
        let upstream = generator.uniformTensor(shape: [2, 3])

        // Reference: the base in inference mode, its outputs fed into a training run of the top.
        let base = try graph.run(feeding: [0: input], fetching: [frontier, b1], training: false)
        graph.unfuse()
        let expected = try graph.run(feeding: [frontier: base[frontier]!, b1: base[b1]!], fetching: [output], training: true)[output]!
        graph.zeroGradients()
        try graph.backward([output: upstream])
        let expectedGradients = graph.trainableParameters.map(\.gradient)

        let actual = try graph.run(feeding: [0: input], fetching: [output], training: true)[output]!
        XCTAssertNotNil((graph.nodes[c1].layer as! Conv2D).epilogue, "the frozen conv takes its BN")
        XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.activation, .linear,
                       "the BN output that the trained part reads stays visible: the ReLU6 is not fused")
        XCTAssertEqual((graph.nodes[d2].layer as! DepthwiseConv2D).absorbedBorder, ZeroBorder(top: 0, bottom: 1, left: 0, right: 1))
        XCTAssertEqual((graph.nodes[d2].layer as! DepthwiseConv2D).epilogue?.activation, .linear,
                       "the frontier BN is fused; its output is the depthwise output")
        XCTAssertNil((graph.nodes[c3].layer as! Conv2D).epilogue, "trained layers are not fused")
        graph.zeroGradients()
        try graph.backward([output: upstream])
        assertClose(actual, expected, absolute: 1e-5, relative: 1e-5, "training output, oneDNN \(oneDNN)")
        for (parameter, reference) in zip(graph.trainableParameters, expectedGradients) {
            assertClose(parameter.gradient, reference, absolute: 1e-5, relative: 1e-5, "gradient of \(parameter.name), oneDNN \(oneDNN)")
        }
    }

    /// A projection block listed as a composed graph lists it (the shortcut conv before the main
    /// branch's last conv, its BN after), fused for inference as feature extraction leaves it, then
    /// trained: the last conv takes the sum with the shortcut conv's output, so the run must not
    /// skip the shortcut BN that the unfused Add reads again (fine-tuning after caching did).
    func testTrainingAfterInferenceFusionComputesBothBranches() throws {
        var generator = SeededGenerator(seed: 37)
        let graph = Graph(inputShape: [4, 4, 8])
        try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 8, filters: 8, kernelSize: (1, 1))))
        let r1 = try graph.add(Activation(name: "r1", kind: .relu))
        let s0 = try graph.add(randomized(&generator, Conv2D(name: "s0", inputChannels: 8, filters: 8, kernelSize: (1, 1))), inputs: [0])
        let c3 = try graph.add(randomized(&generator, Conv2D(name: "c3", inputChannels: 8, filters: 8, kernelSize: (1, 1))), inputs: [r1])
        let shortcut = try graph.add(randomized(&generator, BatchNormalization(name: "s0_bn", channels: 8)), inputs: [s0])
        let main = try graph.add(randomized(&generator, BatchNormalization(name: "c3_bn", channels: 8)), inputs: [c3])
        try graph.add(Add(name: "add"), inputs: [shortcut, main])
        try graph.add(Activation(name: "out", kind: .relu))
        try graph.add(GlobalAveragePooling2D(name: "gap"))
        let output = try graph.add(randomized(&generator, Dense(name: "fc", inputUnits: 8, units: 3)))
        let input = generator.uniformTensor(shape: [2, 4, 4, 8], low: -2, high: 2)
        let expected = try graph.run(feeding: [0: input], fetching: [output], training: true)[output]!

        graph.fuseForInference()
        XCTAssertEqual((graph.nodes[c3].layer as! Conv2D).epilogue?.residualSource, "s0")
        _ = try graph.run(feeding: [0: input], fetching: [output], training: false)
        let trained = try graph.run(feeding: [0: input], fetching: [output], training: true)[output]!
        XCTAssertNil((graph.nodes[c3].layer as! Conv2D).epilogue, "trained layers are not fused")
        assertClose(trained, expected, absolute: 1e-5, relative: 1e-5, "training after inference fusion")
    }

    /// ResNet's two residual blocks, an identity block whose shortcut is the graph input and
    /// a projection block (shortcut conv → BN first, as Keras builds it): the last conv of each
    /// takes BN, the sum and the ReLU; a preserved BN output keeps its Add.
    func testResidualSumsFuseIntoTheLastConvolution() throws {
        try forEachConvolutionBackend { oneDNN in try residualSumsFuseIntoTheLastConvolution(oneDNN: oneDNN) }
    }

    private func residualSumsFuseIntoTheLastConvolution(oneDNN: Bool) throws {
        var generator = SeededGenerator(seed: 36)
        let graph = Graph(inputShape: [6, 5, 8])
        let c1 = try graph.add(randomized(&generator, Conv2D(name: "c1", inputChannels: 8, filters: 8, kernelSize: (3, 3), padding: .same)))
        let b1 = try graph.add(randomized(&generator, BatchNormalization(name: "b1", channels: 8)))
        let add1 = try graph.add(Add(name: "add1"), inputs: [0, b1])
        let x1 = try graph.add(Activation(name: "out1", kind: .relu))
        let s0 = try graph.add(randomized(&generator, Conv2D(name: "s0", inputChannels: 8, filters: 12, kernelSize: (1, 1))), inputs: [x1])
        let t0 = try graph.add(randomized(&generator, BatchNormalization(name: "t0", channels: 12)))
        let c2 = try graph.add(randomized(&generator, Conv2D(name: "c2", inputChannels: 8, filters: 12, kernelSize: (3, 3), padding: .same)),
                               inputs: [x1])
        let b2 = try graph.add(randomized(&generator, BatchNormalization(name: "b2", channels: 12)))
        let add2 = try graph.add(Add(name: "add2"), inputs: [t0, b2])
        let x2 = try graph.add(Activation(name: "out2", kind: .relu))
        // Keras's order in a ResNet block with a convolution shortcut: shortcut conv, main conv,
        // then both batch normalizations; the shortcut's BN is listed after the main conv.
        let s3 = try graph.add(randomized(&generator, Conv2D(name: "s3", inputChannels: 12, filters: 4, kernelSize: (1, 1))), inputs: [x2])
        let c3 = try graph.add(randomized(&generator, Conv2D(name: "c3", inputChannels: 12, filters: 4, kernelSize: (1, 1))), inputs: [x2])
        let t3 = try graph.add(randomized(&generator, BatchNormalization(name: "t3", channels: 4)), inputs: [s3])
        let b3 = try graph.add(randomized(&generator, BatchNormalization(name: "b3", channels: 4)), inputs: [c3])
        let add3 = try graph.add(Add(name: "add3"), inputs: [t3, b3])
        try graph.add(Activation(name: "out3", kind: .relu))
        let input = generator.uniformTensor(shape: [2, 6, 5, 8], low: -2, high: 2)
        let expected = try graph.run(feeding: [0: input], fetching: [graph.outputNode, b2], training: false)

        graph.fuseForInference()
        XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.residualSource, "input_1")
        XCTAssertEqual((graph.nodes[c1].layer as! Conv2D).epilogue?.activation, .relu)
        XCTAssertEqual((graph.nodes[add1].layer as! Add).passThroughInput, 1)
        XCTAssertNil((graph.nodes[s0].layer as! Conv2D).epilogue?.residualSource, "the other branch is not computed yet")
        XCTAssertEqual((graph.nodes[c2].layer as! Conv2D).epilogue?.residualSource, "t0")
        XCTAssertEqual((graph.nodes[add2].layer as! Add).passThroughInput, 1)
        XCTAssertEqual((graph.nodes[c3].layer as! Conv2D).epilogue?.residualSource, "s3",
                       "the shortcut's BN, listed later, is folded into the shortcut conv computed earlier")
        XCTAssertEqual((graph.nodes[add3].layer as! Add).passThroughInput, 1)
        assertClose(try graph.forward(input), expected[graph.outputNode]!, absolute: 1e-5, relative: 1e-5, "fused residual blocks, oneDNN \(oneDNN)")

        graph.fuseForInference(preserving: [b2])
        XCTAssertNil((graph.nodes[c2].layer as! Conv2D).epilogue?.residualSource, "the BN output stays visible")
        XCTAssertNil((graph.nodes[add2].layer as! Add).passThroughInput)
        let partly = try graph.run(feeding: [0: input], fetching: [graph.outputNode, b2], training: false)
        assertClose(partly[b2]!, expected[b2]!, absolute: 1e-5, relative: 1e-5, "preserved BN output, oneDNN \(oneDNN)")
        assertClose(partly[graph.outputNode]!, expected[graph.outputNode]!, absolute: 1e-5, relative: 1e-5, "output, oneDNN \(oneDNN)")
    }
}
