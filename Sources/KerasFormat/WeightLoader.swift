import CNN

/// Puts stored weights into a model's layers, checking every count and shape.
public enum WeightLoader {
    public enum Matching: Sendable {
        /// Like Keras's default: the n-th stored layer with weights goes to the n-th model layer with weights.
        case byOrder
        /// Like `by_name=True`: layers are matched by name; model layers absent from the file keep their values.
        case byName
        /// Every model layer with weights must be in the file and every stored layer in the
        /// model: how zoo architectures take the official files, whatever order Keras stored them in.
        case exactNames
    }

    /// Nothing is assigned unless every layer's weights fit: a failed load leaves the model as it was.
    public static func load(_ stored: [StoredLayer], into model: KerasModel, matching: Matching, file: String) throws {
        let targets = model.layersWithWeights
        var assignments = [Assignment]()
        func assign(_ tensors: [Tensor], names: [String], to layer: Layer, layerName: String, file: String) throws {
            assignments += try plan(tensors, names: names, for: layer, layerName: layerName, file: file)
        }
        switch matching {
        case .byOrder:
            guard stored.count == targets.count else {
                let firstDifference = zip(stored, targets).first { $0.name != $1.name }
                    .map { "file layer '\($0.name)' vs model layer '\($1.name)'" }
                    ?? (stored.count > targets.count ? "file layer '\(stored[targets.count].name)' has no counterpart"
                                                     : "model layer '\(targets[stored.count].name)' has no weights in the file")
                throw KerasFormatError.weightCountMismatch(file: file, expected: targets.count, found: stored.count,
                                                           firstDifference: firstDifference)
            }
            for (source, target) in zip(stored, targets) {
                try assign(source.weights.map(\.tensor), names: source.weights.map(\.name), to: target.layer,
                           layerName: target.name, file: file)
            }
        case .exactNames:
            let byName = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let modelNames = Set(targets.map(\.name))
            if let missing = targets.first(where: { byName[$0.name] == nil }) {
                throw KerasFormatError.missingWeights(file: file, layer: missing.name)
            }
            if let extra = stored.first(where: { !modelNames.contains($0.name) }) {
                throw KerasFormatError.weightCountMismatch(file: file, expected: targets.count, found: stored.count,
                                                           firstDifference: "file layer '\(extra.name)' is not in the model")
            }
            for target in targets {
                let source = byName[target.name]!
                try assign(source.weights.map(\.tensor), names: source.weights.map(\.name), to: target.layer,
                           layerName: target.name, file: file)
            }
        case .byName:
            let byName = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var matched = 0
            for target in targets {
                guard let source = byName[target.name] else { continue }
                try assign(source.weights.map(\.tensor), names: source.weights.map(\.name), to: target.layer,
                           layerName: target.name, file: file)
                matched += 1
            }
            guard matched > 0 else {
                throw KerasFormatError.weightCountMismatch(file: file, expected: targets.count, found: stored.count,
                                                           firstDifference: "no layer name in the file matches the model")
            }
        }
        apply(assignments)
    }

    /// A checked weight, ready to be stored in its parameter.
    struct Assignment {
        let parameter: Parameter
        let value: Tensor
    }

    static func apply(_ assignments: [Assignment]) {
        for assignment in assignments { assignment.parameter.value = assignment.value }
    }

    /// Assigns a layer's weights in Keras order; the counts and each shape must agree.
    static func assign(_ tensors: [Tensor], names: [String], to layer: Layer, layerName: String, file: String) throws {
        apply(try plan(tensors, names: names, for: layer, layerName: layerName, file: file))
    }

    /// Checks a layer's weights against its parameters (count, then each shape, in Keras order)
    /// and returns what to assign.
    static func plan(_ tensors: [Tensor], names: [String], for layer: Layer, layerName: String,
                     file: String) throws -> [Assignment] {
        let parameters = layer.parameters
        guard tensors.count == parameters.count else {
            throw KerasFormatError.layerWeightCountMismatch(
                file: file, layer: layerName, expected: parameters.map(\.name), found: names)
        }
        var result = [Assignment]()
        for (index, (tensor, parameter)) in zip(tensors, parameters).enumerated() {
            var value = tensor
            // Keras stores a Normalization layer's scalar `count` as shape [], and some writers as [1].
            if value.count == parameter.value.count && value.shape != parameter.shape && parameter.value.count <= 1 {
                value = value.reshaped(parameter.shape)
            }
            guard value.shape == parameter.shape else {
                throw KerasFormatError.weightShapeMismatch(file: file, layer: layerName, weight: names[index],
                                                           expected: parameter.shape, actual: tensor.shape)
            }
            result.append(Assignment(parameter: parameter, value: value))
        }
        return result
    }
}
