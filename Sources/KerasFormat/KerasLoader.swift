import CNN

/// Entry points for reading Keras files into the engine.
public enum KerasLoader {
    /// A full-model file (`model.save('x.h5')`, Keras 2 or 3): the graph from its
    /// `model_config`, the weights from `model_weights`, matched by layer name.
    public static func loadFullModel(_ file: KerasFile) throws -> KerasModel {
        guard file.layout == .fullModel, let config = file.modelConfig else {
            throw KerasFormatError.notKeras(file: file.path, reason: "it holds weights only, no model_config; give the architecture (--arch)")
        }
        let model = try KerasModel(config: config, file: file.path)
        try WeightLoader.load(file.storedLayers(), into: model, matching: .exactNames, file: file.path)
        return model
    }

    /// Weights from any layout onto a model built elsewhere (a zoo architecture or
    /// the graph of a full model). Keras 2 layouts match by `matching`; Keras 3
    /// weights files by Keras's own keys (snake-case class name and a counter).
    public static func loadWeights(_ file: KerasFile, into model: KerasModel, matching: WeightLoader.Matching) throws {
        switch file.layout {
        case .fullModel, .weightsOnly:
            try WeightLoader.load(file.storedLayers(), into: model, matching: matching, file: file.path)
        case .keras3Weights:
            let stored = try file.keras3Layers()
            let storedNames = file.keras3StoredNames()
            var counters = [String: Int]()
            var used = Set<String>()
            var assignments = [WeightLoader.Assignment]()
            for entry in model.kerasLayers {
                let base = kerasSnakeCase(entry.className)
                let count = counters[base, default: 0]
                counters[base] = count + 1
                let key = count == 0 ? base : "\(base)_\(count)"
                let parameters = entry.layer.parameters
                guard !parameters.isEmpty else { continue }
                guard let tensors = stored[key] else {
                    throw KerasFormatError.missingWeights(file: file.path, layer: "\(entry.name) (key layers/\(key))")
                }
                // Keras 3.x records the layer's name beside its variables; it helps tell a misaligned key.
                let origin = storedNames[key].map { $0 == entry.name ? "" : " (layer '\($0)' in the file)" } ?? ""
                assignments += try WeightLoader.plan(
                    tensors, names: tensors.indices.map { "layers/\(key)/vars/\($0)\(origin)" },
                    for: entry.layer, layerName: entry.name, file: file.path)
                used.insert(key)
            }
            if let extra = stored.keys.sorted().first(where: { !used.contains($0) }) {
                throw KerasFormatError.weightCountMismatch(
                    file: file.path, expected: used.count, found: stored.count,
                    firstDifference: "file entry layers/\(extra) has no counterpart in the model")
            }
            WeightLoader.apply(assignments)
        }
    }
}

/// Keras's `naming.to_snake_case`: "DepthwiseConv2D" → "depthwise_conv2d", "ReLU" → "re_lu".
public func kerasSnakeCase(_ name: String) -> String {
    let characters = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
    // Pass 1: an underscore before every capital that starts a lowercase run ("(.)([A-Z][a-z]+)").
    var first = [Character]()
    for (index, character) in characters.enumerated() {
        if index > 0, character.isUppercase, index + 1 < characters.count, characters[index + 1].isLowercase {
            first.append("_")
        }
        first.append(character)
    }
    // Pass 2: an underscore between a lowercase letter and a capital ("([a-z])([A-Z])").
    var second = [Character]()
    for (index, character) in first.enumerated() {
        if index > 0, character.isUppercase, first[index - 1].isLowercase {
            second.append("_")
        }
        second.append(character)
    }
    return String(second).lowercased()
}
