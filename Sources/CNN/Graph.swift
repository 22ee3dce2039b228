import Dispatch

/// A directed acyclic graph of layers, in topological order. Node 0 is the input.
///
/// `run` computes only the nodes the requested outputs depend on, starting from
/// any fed nodes (so a cached activation can stand in for the frozen bottom of a
/// network), and, when not training, releases each activation as soon as its last
/// consumer has run: feature extraction never holds every layer's output.
public final class Graph {
    public struct Node {
        /// nil for the input node.
        public let layer: Layer?
        public let inputs: [Int]
        /// Without the batch dimension.
        public let outputShape: [Int]
    }

    public private(set) var nodes: [Node]
    public private(set) var outputNode: Int
    private var indexByName: [String: Int] = [:]
    /// The nodes computed by the latest training run, for `backward`.
    private var trainingRun: (computed: [Int], fed: Set<Int>)?

    /// `inputShape` is (H, W, C) for images or (D) for feature vectors.
    public init(inputShape: [Int], inputName: String = "input_1") {
        nodes = [Node(layer: nil, inputs: [], outputShape: inputShape)]
        outputNode = 0
        indexByName[inputName] = 0
        self.inputName = inputName
    }

    public let inputName: String
    public var inputShape: [Int] { nodes[0].outputShape }
    public var outputShape: [Int] { nodes[outputNode].outputShape }

    /// Appends `layer` fed by the given nodes (by default the current output) and makes it the output.
    @discardableResult
    public func add(_ layer: Layer, inputs: [Int]? = nil) throws -> Int {
        let sources = inputs ?? [outputNode]
        for source in sources where !(0..<nodes.count).contains(source) {
            throw EngineError.invalidConfiguration(layer: layer.name, reason: "input node \(source) does not exist")
        }
        guard indexByName[layer.name] == nil else {
            throw EngineError.invalidConfiguration(layer: layer.name, reason: "duplicate layer name")
        }
        let shape = try layer.outputShape(for: sources.map { nodes[$0].outputShape })
        nodes.append(Node(layer: layer, inputs: sources, outputShape: shape))
        indexByName[layer.name] = nodes.count - 1
        outputNode = nodes.count - 1
        return outputNode
    }

    /// Makes an existing node the graph's output (e.g. to cut off a classifier).
    public func setOutput(_ node: Int) {
        precondition((0..<nodes.count).contains(node))
        outputNode = node
    }

    public func node(named name: String) -> Int? { indexByName[name] }

    public func layer(named name: String) -> Layer? {
        indexByName[name].flatMap { nodes[$0].layer }
    }

    public var layers: [Layer] { nodes.compactMap(\.layer) }

    /// Every parameter, in layer order (the order Keras saves weights in).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public var trainableParameters: [Parameter] {
        layers.filter(\.isTrainable).flatMap(\.parameters).filter(\.isTrainable)
    }

    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// Runs the graph from its input to its output.
    public func forward(_ input: Tensor, training: Bool = false) throws -> Tensor {
        try run(feeding: [0: input], fetching: [outputNode], training: training)[outputNode]!
    }

    /// Computes `fetching` from the fed activations; nodes that neither are fed
    /// nor lead to a fetched node are skipped.
    ///
    /// In a training run, nodes whose outputs depend on nothing trainable run as in inference,
    /// fused and keeping nothing for backward (no gradient reaches them): a fine-tuning step
    /// through a frozen base costs an inference pass there, not a training pass.
    ///
    /// An inference batch of a small network (MobileNetV2, EfficientNet-Lite0: under 10 million
    /// parameters) runs in slices of `Engine.inferenceSlice` images, each through the whole graph:
    /// the activations of a few images stay in cache from one layer to the next, where those of 32
    /// images (up to 150 MB per layer) do not. Measured at batch 32 with slices of 4: MobileNetV2
    /// and Lite0 about 7–8% more images/s (median of interleaved runs on a noisy VM) and 324 → 135 MB
    /// peak memory (BENCHMARKS.md); ResNet50, whose 100 MB of
    /// weights are read again for every slice, runs whole batches. Inference treats images
    /// independently, so the outputs are the same.
    public func run(feeding: [Int: Tensor], fetching: [Int], training: Bool) throws -> [Int: Tensor] {
        let slice = Engine.inferenceSlice
        let batch = feeding.first?.value.shape.first ?? 0
        guard !training, slice > 0, batch > slice, feeding.values.allSatisfy({ $0.shape.first == batch }),
              parameters.reduce(0, { $0 + $1.value.count }) <= Engine.slicedParameterLimit else {
            return try runWhole(feeding: feeding, fetching: fetching, training: training)
        }
        var parts = [Int: [Tensor]]()
        for start in stride(from: 0, to: batch, by: slice) {
            let range = start..<min(batch, start + slice)
            let outputs = try runWhole(feeding: feeding.mapValues { $0.batch(range) }, fetching: fetching, training: false)
            for (node, tensor) in outputs { parts[node, default: []].append(tensor) }
        }
        return parts.mapValues { Tensor.concatenatingBatches($0) }
    }

    private func runWhole(feeding: [Int: Tensor], fetching: [Int], training: Bool) throws -> [Int: Tensor] {
        for (node, tensor) in feeding {
            let expected = nodes[node].outputShape
            guard Array(tensor.shape.dropFirst()) == expected else {
                let name = nodes[node].layer?.name ?? inputName
                throw EngineError.shapeMismatch(what: "input to '\(name)'",
                                                expected: [tensor.shape.first ?? 0] + expected, actual: tensor.shape)
            }
        }
        let fed = Set(feeding.keys)
        // A training run fuses its frozen part anew (and unfuses the rest), from every node it
        // could compute; what it does compute follows from the fusion that results.
        let frozen = training
            ? prepareFrozenPart(needed: nodesNeeded(for: fetching, fed: fed, sources: sourcesAsFused(trimmingFusedSums: false)),
                                fed: fed, fetching: fetching)
            : []
        let sources = sourcesAsFused()
        let needed = nodesNeeded(for: fetching, fed: fed, sources: sources)
        var remainingUses = [Int](repeating: 0, count: nodes.count)
        for index in needed where feeding[index] == nil {
            for source in sources[index] { remainingUses[source] += 1 }
        }
        let fetchSet = Set(fetching)
        var activations = [Int: Tensor]()
        for (node, tensor) in feeding { activations[node] = tensor }
        var computed = [Int]()
        for index in needed.sorted() where feeding[index] == nil {
            guard let layer = nodes[index].layer else { continue }
            var inputs = [Tensor]()
            inputs.reserveCapacity(sources[index].count)
            for source in sources[index] {
                guard let tensor = activations[source] else {
                    throw EngineError.invalidConfiguration(layer: layer.name, reason: "input node \(source) was not computed")
                }
                inputs.append(tensor)
            }
            // Inputs used for the last time are dropped first: `inputs` then holds their only
            // reference, and the layer may reuse their storage.
            for source in sources[index] {
                remainingUses[source] -= 1
                if remainingUses[source] == 0 && !fetchSet.contains(source) {
                    activations[source] = nil
                }
            }
            let asTraining = training && !frozen.contains(index)
            if let layerTimer {
                let start = DispatchTime.now().uptimeNanoseconds
                activations[index] = try layer.forward(consume inputs, training: asTraining)
                layerTimer(layer, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            } else {
                activations[index] = try layer.forward(consume inputs, training: asTraining)
            }
            computed.append(index)
        }
        trainingRun = training ? (computed, Set(feeding.keys)) : nil
        return activations.filter { fetchSet.contains($0.key) }
    }

    /// Backpropagates from the given output gradients through the latest training
    /// run, accumulating into parameter gradients. Layers below which nothing is
    /// trainable are not asked for input gradients. Returns the gradients that reach fed nodes.
    @discardableResult
    public func backward(_ outputGradients: [Int: Tensor]) throws -> [Int: Tensor] {
        guard let run = trainingRun else {
            throw EngineError.notTrainedForward(layer: "graph")
        }
        let needsGradient = nodesWithTrainableAncestors(computed: run.computed, fed: wantsFedGradients ? run.fed : [])
        var gradients = outputGradients
        for index in run.computed.reversed() {
            // A node that nothing trainable feeds ran without keeping its inputs; its gradient goes nowhere.
            guard let gradient = gradients.removeValue(forKey: index), let layer = nodes[index].layer,
                  needsGradient.contains(index) else { continue }
            let sources = nodes[index].inputs
            let wantInputs = sources.contains { needsGradient.contains($0) || (wantsFedGradients && run.fed.contains($0)) }
            let inputGradients = try layer.backward(gradient, inputGradients: wantInputs)
            guard wantInputs else { continue }
            for (source, sourceGradient) in zip(sources, inputGradients) {
                if var existing = gradients[source] {
                    existing.add(sourceGradient)
                    gradients[source] = existing
                } else {
                    gradients[source] = sourceGradient
                }
            }
        }
        return gradients.filter { run.fed.contains($0.key) }
    }

    /// The computed nodes of a training run that no gradient will reach, fused for inference
    /// among themselves; chains never cross into the trained part, and frozen outputs that the
    /// trained part or the caller reads stay visible.
    private func prepareFrozenPart(needed: Set<Int>, fed: Set<Int>, fetching: [Int]) -> Set<Int> {
        let computed = needed.subtracting(fed).sorted()
        let trained = nodesWithTrainableAncestors(computed: computed, fed: wantsFedGradients ? fed : [])
        let frozen = Set(computed).subtracting(trained)
        var visible = Set(fetching)
        for index in computed where !frozen.contains(index) {
            visible.formUnion(nodes[index].inputs)
        }
        fuseForInference(preserving: visible, within: frozen)
        return frozen
    }

    /// Each node's inputs as a run feeds them: its own, then, for a convolution with a fused
    /// residual sum, the node whose output its epilogue adds (found by layer name, so it holds in
    /// every graph sharing the layers). With `trimmingFusedSums`, the Add of such a sum gets only
    /// the input that already holds it, so the convolution is the other branch's last reader and
    /// may reuse its storage.
    func sourcesAsFused(trimmingFusedSums: Bool = true) -> [[Int]] {
        nodes.map { node in
            if trimmingFusedSums, let kept = (node.layer as? Add)?.passThroughInput { return [node.inputs[kept]] }
            guard let name = (node.layer as? Conv2D)?.epilogue?.residualSource, let source = indexByName[name] else {
                return node.inputs
            }
            return node.inputs + [source]
        }
    }

    /// Called after each layer's forward pass with its wall time in seconds (profiling).
    public var layerTimer: ((Layer, Double) -> Void)?

    /// When true, `backward` also computes gradients reaching the fed nodes
    /// (Grad-CAM and gradient checks need them; training does not).
    public var wantsFedGradients = false

    private func nodesNeeded(for fetching: [Int], fed: Set<Int>, sources: [[Int]]) -> Set<Int> {
        var needed = Set<Int>()
        var stack = fetching
        while let index = stack.popLast() {
            guard needed.insert(index).inserted, !fed.contains(index) else { continue }
            stack.append(contentsOf: sources[index])
        }
        return needed
    }

    /// Nodes whose output depends on a trainable parameter, or on a fed node whose
    /// gradient was asked for (so gradients must flow into them).
    private func nodesWithTrainableAncestors(computed: [Int], fed: Set<Int>) -> Set<Int> {
        var result = fed
        for index in computed {
            guard let layer = nodes[index].layer else { continue }
            if layer.hasTrainableParameters || nodes[index].inputs.contains(where: result.contains) {
                result.insert(index)
            }
        }
        return result
    }
}
