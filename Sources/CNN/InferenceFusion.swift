/// What a convolution applies to its output when a batch normalization (and a
/// ReLU or ReLU6) that follows it has been fused into it: y = act(x·scale + shift),
/// with the convolution's bias folded into `shift`.
public struct ConvolutionEpilogue: Sendable {
    public var scale: [Float]
    public var shift: [Float]
    public var activation: ActivationKind
    /// The layer whose output is added before the activation (a residual `Add` folded in);
    /// the graph passes it to the convolution as a second input.
    public var residualSource: String?

    public init(scale: [Float], shift: [Float], activation: ActivationKind, residualSource: String? = nil) {
        self.scale = scale
        self.shift = shift
        self.activation = activation
        self.residualSource = residualSource
    }

    /// Applies the map to `rows` rows of `scale.count` channels, on the calling thread
    /// (the convolution calls it per chunk, on the thread that computed the chunk), adding
    /// the matching rows of `residual` before the activation when there is one.
    func apply(to output: UnsafeMutablePointer<Float>, rows: Int, residual: UnsafePointer<Float>? = nil) {
        let channels = scale.count
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { b in
                for row in 0..<rows {
                    let line = output + row * channels
                    if let residual {
                        let r = residual + row * channels
                        for c in 0..<channels { line[c] = line[c] * s[c] + b[c] + r[c] }
                        switch activation {
                        case .relu: for c in 0..<channels { line[c] = max(0, line[c]) }
                        case .relu6: for c in 0..<channels { line[c] = min(6, max(0, line[c])) }
                        default: break
                        }
                        continue
                    }
                    switch activation {
                    case .relu:
                        for c in 0..<channels { line[c] = max(0, line[c] * s[c] + b[c]) }
                    case .relu6:
                        for c in 0..<channels { line[c] = min(6, max(0, line[c] * s[c] + b[c])) }
                    default:
                        for c in 0..<channels { line[c] = line[c] * s[c] + b[c] }
                    }
                }
            }
        }
    }
}

/// A layer that can read a `ZeroPadding2D`'s zeros around its input instead of a padded copy.
protocol BorderAbsorbing: Layer {
    var absorbedBorder: ZeroBorder { get set }
    /// False where the layer's own geometry would mix with the absorbed zeros.
    var canAbsorbBorder: Bool { get }
}

/// A convolution whose output pass can take over a following batch normalization and
/// activation, and whose input reads can take over a preceding `ZeroPadding2D`.
protocol FusableConvolution: BorderAbsorbing {
    var outputChannelCount: Int { get }
    var bias: Parameter? { get }
    var epilogue: ConvolutionEpilogue? { get set }
}

extension FusableConvolution {
    var canAbsorbBorder: Bool { true }
}

extension MaxPooling2D: BorderAbsorbing {
    /// With `same` padding, TensorFlow's padded positions never win, absorbed zeros can.
    var canAbsorbBorder: Bool { geometry.padding == .valid }
}

extension Conv2D: FusableConvolution {
    var outputChannelCount: Int { filters }
}

extension DepthwiseConv2D: FusableConvolution {
    var outputChannelCount: Int { outputChannels }
}

extension Graph {
    /// Folds each batch normalization that follows a convolution (and a ReLU or ReLU6
    /// after it) into the convolution's output pass, and each zero padding before a
    /// convolution or a `valid` max pooling into its reads, for inference: one pass over the
    /// activations instead of three, and no padded copies. Weights are not changed, so saving is unaffected;
    /// a training run undoes the fusion first (`run` calls `unfuse`). Nodes in `preserving`
    /// keep their own outputs: a chain is not fused where one of them would be hidden inside it.
    /// With `within`, only chains made entirely of those nodes are fused (the frozen part of a
    /// network during training).
    public func fuseForInference(preserving: Set<Int> = [], within: Set<Int>? = nil) {
        unfuse()
        func allowed(_ node: Int) -> Bool { within?.contains(node) ?? true }
        var consumers = [Int: [Int]]()
        for (index, node) in nodes.enumerated() {
            for input in node.inputs { consumers[input, default: []].append(index) }
        }
        if outputNode >= 0 { consumers[outputNode, default: []].append(-1) }
        for (index, node) in nodes.enumerated() where allowed(index) {
            // A ResNet block ends in Add → ReLU: one pass instead of two.
            if let add = node.layer as? Add, add.passThroughInput == nil, !preserving.contains(index),
               let next = consumers[index], next.count == 1,
               next[0] >= 0, allowed(next[0]), let act = nodes[next[0]].layer as? Activation, act.kind == .relu {
                add.fusedActivation = .relu
                act.isBypassed = true
                continue
            }
            if let pad = node.layer as? ZeroPadding2D, !preserving.contains(index), let next = consumers[index],
               next.count == 1, next[0] >= 0, allowed(next[0]), let reader = nodes[next[0]].layer as? BorderAbsorbing,
               reader.canAbsorbBorder {
                reader.absorbedBorder = ZeroBorder(top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right)
                pad.isBypassed = true
                continue
            }
            guard let conv = node.layer as? FusableConvolution, conv.epilogue == nil,
                  let next = consumers[index], next.count == 1, next[0] >= 0 else { continue }
            let channels = conv.outputChannelCount
            var scale = [Float](repeating: 1, count: channels)
            var shift = conv.bias?.value.scalars ?? [Float](repeating: 0, count: channels)
            var last = index
            var fused = [Layer]()
            if allowed(next[0]), let norm = nodes[next[0]].layer as? BatchNormalization, norm.channels == channels {
                let (multiplier, offset) = norm.inferenceAffine()
                for c in 0..<channels {
                    scale[c] = multiplier[c]
                    shift[c] = shift[c] * multiplier[c] + offset[c]
                }
                fused.append(norm)
                last = next[0]
            }
            // A residual block's last convolution: conv → BN → Add(other branch) → ReLU in one
            // pass, when the other branch is computed before this convolution runs.
            var residualSource: String?
            if conv is Conv2D, !preserving.contains(last), let after = consumers[last], after.count == 1, after[0] >= 0,
               allowed(after[0]), let add = nodes[after[0]].layer as? Add, add.passThroughInput == nil,
               nodes[after[0]].inputs.count == 2, let position = nodes[after[0]].inputs.firstIndex(of: last),
               case let other = computedEarlier(nodes[after[0]].inputs[1 - position], than: index), other < index, other != last,
               let otherName = other == 0 ? inputName : nodes[other].layer?.name {
                residualSource = otherName
                add.passThroughInput = position
                fused.append(add)
                last = after[0]
            }
            var activation = ActivationKind.linear
            if let after = consumers[last], after.count == 1, after[0] >= 0, allowed(after[0]), !preserving.contains(last),
               let act = nodes[after[0]].layer as? Activation, act.kind == .relu || act.kind == .relu6 {
                activation = act.kind
                fused.append(act)
            }
            guard !fused.isEmpty, !preserving.contains(index) else { continue }
            conv.epilogue = ConvolutionEpilogue(scale: scale, shift: shift, activation: activation, residualSource: residualSource)
            for layer in fused {
                (layer as? BatchNormalization)?.isBypassed = true
                (layer as? Activation)?.isBypassed = true
            }
        }
    }

    /// The node that holds `node`'s value before node `index` runs: `node` itself, or, for a
    /// batch normalization already folded into the convolution before it, that convolution (a
    /// ResNet block's shortcut `_0_conv` → `_0_bn` is listed after the main branch's `_3_conv`).
    private func computedEarlier(_ node: Int, than index: Int) -> Int {
        guard node > index, let norm = nodes[node].layer as? BatchNormalization, norm.isBypassed,
              nodes[node].inputs.count == 1, case let source = nodes[node].inputs[0], source > 0,
              (nodes[source].layer as? FusableConvolution)?.epilogue != nil else { return node }
        return source
    }

    /// Restores every fused layer of this graph. Layers are shared between graphs (a
    /// backbone and the classifier built on it), so the flags are read from the layers
    /// themselves, whichever graph fused them.
    public func unfuse() {
        for node in nodes {
            if let conv = node.layer as? FusableConvolution, conv.epilogue != nil { conv.epilogue = nil }
            if let reader = node.layer as? BorderAbsorbing, reader.absorbedBorder != .none { reader.absorbedBorder = .none }
            if let pad = node.layer as? ZeroPadding2D, pad.isBypassed { pad.isBypassed = false }
            if let add = node.layer as? Add {
                if add.fusedActivation != nil { add.fusedActivation = nil }
                if add.passThroughInput != nil { add.passThroughInput = nil }
            }
            if let norm = node.layer as? BatchNormalization, norm.isBypassed { norm.isBypassed = false }
            if let activation = node.layer as? Activation, activation.isBypassed { activation.isBypassed = false }
        }
    }

    public var isFused: Bool {
        nodes.contains { node in
            (node.layer as? FusableConvolution)?.epilogue != nil
                || (node.layer as? BorderAbsorbing).map { $0.absorbedBorder != .none } == true
                || (node.layer as? BatchNormalization)?.isBypassed == true
                || (node.layer as? Add).map { $0.fusedActivation != nil || $0.passThroughInput != nil } == true
                || (node.layer as? Activation)?.isBypassed == true
                || (node.layer as? ZeroPadding2D)?.isBypassed == true
        }
    }
}
