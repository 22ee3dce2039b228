import CNN
import Foundation
import HDF5

/// The weights of one Keras layer as stored in a file, in the order Keras keeps them.
public struct StoredLayer: Sendable {
    public var name: String
    public var weights: [StoredWeight]
}

public struct StoredWeight: Sendable {
    /// The stored name, e.g. `conv1/kernel:0`, `block1_conv1_W_1:0` or `vars/0`.
    public var name: String
    public var tensor: Tensor
}

/// An HDF5 file written by Keras, with its layout told from the file itself.
public final class KerasFile {
    public enum Layout: Equatable, Sendable {
        /// `model.save('x.h5')` (Keras 2, tf_keras, Keras 3's legacy writer): `model_config` + `model_weights`.
        case fullModel
        /// `save_weights('x.h5')` and the `keras.applications` downloads: `layer_names` at the root.
        case weightsOnly
        /// Keras 3 `save_weights('x.weights.h5')`: `layers/<snake_case class>/vars/<i>`.
        case keras3Weights
    }

    public let path: String
    public let layout: Layout
    public let file: File
    public let modelConfig: ModelConfig?
    public let kerasVersion: String?

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(file: path, kind: .fileNotFound)
        }
        file = try File(opening: path)
        kerasVersion = try? file.stringAttribute(named: "keras_version")
        if try file.hasAttribute(named: "model_config") {
            layout = .fullModel
            let text = try file.stringAttribute(named: "model_config")
            modelConfig = try ModelConfig(json: text, file: path, kerasVersion: kerasVersion)
        } else if try file.hasAttribute(named: "layer_names") || file.hasAttribute(named: "layer_names0") {
            layout = .weightsOnly
            modelConfig = nil
        } else if try file.contains("layers") && file.kind(at: "layers") == .group {
            layout = .keras3Weights
            modelConfig = nil
        } else {
            throw KerasFormatError.notKeras(file: path, reason: "an HDF5 file without model_config, layer_names or a Keras 3 'layers' group")
        }
    }

    /// The group holding Keras 2 per-layer weights.
    private func weightsGroup() throws -> Group {
        layout == .fullModel ? try file.group(at: "model_weights") : file
    }

    /// Layers with at least one weight, in the model's order (the `layer_names` attribute,
    /// not the alphabetical order of the groups). Keras 2 layouts only.
    public func storedLayers() throws -> [StoredLayer] {
        guard layout != .keras3Weights else {
            throw KerasFormatError.notKeras(file: path, reason: "a Keras 3 weights file has no layer names; load it onto a known architecture")
        }
        let group = try weightsGroup()
        var layers = [StoredLayer]()
        for name in try group.stringArrayAttribute(named: "layer_names") {
            guard try group.contains(name) else { continue }
            let layerGroup = try group.group(at: name)
            let weightNames = (try? layerGroup.stringArrayAttribute(named: "weight_names")) ?? []
            guard !weightNames.isEmpty else { continue }
            var weights = [StoredWeight]()
            for weightName in weightNames {
                let dataset = try layerGroup.dataset(at: weightName)
                let values = try dataset.readFloats()
                weights.append(StoredWeight(name: weightName, tensor: Tensor(shape: dataset.shape, scalars: values)))
            }
            layers.append(StoredLayer(name: name, weights: weights))
        }
        return layers
    }

    /// Keras 3 weights: `layers/<key>/vars/<i>` for each key, keys in the file's order.
    public func keras3Layers() throws -> [String: [Tensor]] {
        let layersGroup = try file.group(at: "layers")
        var result = [String: [Tensor]]()
        for key in try layersGroup.memberNames() {
            guard try layersGroup.contains("\(key)/vars") else { continue }
            let vars = try layersGroup.group(at: "\(key)/vars")
            let names = try vars.memberNames().compactMap(Int.init).sorted()
            var tensors = [Tensor]()
            for index in names {
                let dataset = try vars.dataset(at: String(index))
                tensors.append(Tensor(shape: dataset.shape, scalars: try dataset.readFloats()))
            }
            if !tensors.isEmpty { result[key] = tensors }
        }
        return result
    }

    /// Keras 3 weights: the layer name Keras 3.x (recent releases) stores in `layers/<key>/vars`
    /// as the attribute `name`, by key; empty for files without it.
    public func keras3StoredNames() -> [String: String] {
        guard layout == .keras3Weights, let layersGroup = try? file.group(at: "layers"),
              let keys = try? layersGroup.memberNames() else { return [:] }
        var names = [String: String]()
        for key in keys {
            if let vars = try? layersGroup.group(at: "\(key)/vars"), let name = try? vars.stringAttribute(named: "name") {
                names[key] = name
            }
        }
        return names
    }

    /// A JSON list stored by tl (or a user) in a root attribute, e.g. `class_names`.
    public func stringListAttribute(named name: String) -> [String]? {
        guard let text = try? file.stringAttribute(named: name) else {
            return try? file.stringArrayAttribute(named: name)
        }
        if let value = try? JSONValue(parsing: text), let items = value.array {
            return items.compactMap(\.string)
        }
        return nil
    }
}

extension KerasFile {
    /// Names of the stored layers that have weights, in model order, without reading the weights.
    public func storedLayerNames() throws -> [String] {
        guard layout != .keras3Weights else { return [] }
        let group = layout == .fullModel ? try file.group(at: "model_weights") : file
        var names = [String]()
        for name in try group.stringArrayAttribute(named: "layer_names") where try group.contains(name) {
            let weightNames = (try? group.group(at: name).stringArrayAttribute(named: "weight_names")) ?? []
            if !weightNames.isEmpty { names.append(name) }
        }
        return names
    }
}
