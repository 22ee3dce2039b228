import CNN

/// Builds new graphs from the layers of existing ones. Layers are shared, not
/// copied: a backbone keeps its (possibly frozen) weights in every graph it is in.
public enum GraphComposition {
    /// Adds the nodes of `source` that `outputs` depend on to `target`, with source's
    /// input replaced by `target` node `inputNode`. Returns the map from source to target nodes.
    @discardableResult
    public static func append(_ source: Graph, upTo outputs: [Int], into target: Graph, at inputNode: Int) throws -> [Int: Int] {
        var needed = Set<Int>()
        var stack = outputs
        while let index = stack.popLast() {
            guard needed.insert(index).inserted else { continue }
            stack.append(contentsOf: source.nodes[index].inputs)
        }
        var map = [0: inputNode]
        for index in needed.sorted() where index > 0 {
            let node = source.nodes[index]
            guard let layer = node.layer else { continue }
            map[index] = try target.add(layer, inputs: node.inputs.map { map[$0]! })
        }
        return map
    }

    /// The layers that compute `preprocessing` inside a graph, so a saved model takes
    /// float RGB in [0, 255] like any Keras full model: `caffe` as a 1×1 convolution
    /// that swaps R and B and subtracts the mean (exact), `tf` and `lite` as Rescaling,
    /// `torch` as Rescaling then Normalization.
    public static func preprocessingLayers(_ preprocessing: Preprocessing, prefix: String = "tl_preprocess") throws -> [Layer] {
        switch preprocessing {
        case .none:
            return []
        case .tf:
            return [Rescaling(name: prefix, scale: 1 / 127.5, offset: -1)]
        case .lite:
            return [Rescaling(name: prefix, scale: 1 / 128, offset: -127 / 128)]
        case .torch:
            return [Rescaling(name: "\(prefix)_scale", scale: 1 / 255),
                    Normalization(name: "\(prefix)_normalize", mean: [0.485, 0.456, 0.406],
                                  variance: [0.229 * 0.229, 0.224 * 0.224, 0.225 * 0.225], storesStatistics: false)]
        case .caffe:
            let conv = try Conv2D(name: prefix, inputChannels: 3, filters: 3, kernelSize: (1, 1))
            // kernel (1, 1, in, out): output channel 0 (B) takes input 2, 2 (R) takes 0.
            var kernel = Tensor(zeros: [1, 1, 3, 3])
            kernel.scalars[2 * 3 + 0] = 1
            kernel.scalars[1 * 3 + 1] = 1
            kernel.scalars[0 * 3 + 2] = 1
            conv.kernel.value = kernel
            conv.bias!.value = Tensor(shape: [3], scalars: [-103.939, -116.779, -123.68])
            conv.isTrainable = false
            return [conv]
        }
    }
}
