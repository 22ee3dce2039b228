import CNN
import Foundation
import HDF5
import KerasFormat

/// What `finetune --resume` needs to continue exactly: the model after the last
/// finished epoch, the epochs so far and the optimizer's state.
public enum Checkpoint {
    public struct State {
        public var history: [EpochRecord]
        public var iterations: Int
        public var moments: [[Float]?]
    }

    public static func save(model: KerasModel, history: [EpochRecord], iterations: Int, moments: [[Float]?],
                            metadata: [String: String], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try KerasWriter.save(model, to: folder.appendingPathComponent("model.h5").path, metadata: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let historyText = String(decoding: try encoder.encode(history), as: UTF8.self)
        try File.writeAtomically(to: folder.appendingPathComponent("state.h5").path) { file in
            try file.setAttribute(named: "history", to: historyText)
            try file.setAttribute(named: "iterations", to: iterations)
            for (index, buffer) in moments.enumerated() {
                guard let buffer else { continue }
                try file.createDataset(at: "moments/\(index)", values: buffer, shape: [buffer.count])
            }
        }
    }

    /// Loads the checkpoint's weights into `model` (matched by layer name) and returns the rest.
    public static func load(from folder: URL, into model: KerasModel) throws -> State? {
        let modelPath = folder.appendingPathComponent("model.h5").path
        let statePath = folder.appendingPathComponent("state.h5").path
        guard FileManager.default.fileExists(atPath: modelPath), FileManager.default.fileExists(atPath: statePath) else {
            return nil
        }
        let stored = try KerasFile(path: modelPath)
        try WeightLoader.load(stored.storedLayers(), into: model, matching: .byName, file: modelPath)
        let file = try File(opening: statePath)
        let history = try JSONDecoder().decode([EpochRecord].self, from: Data(try file.stringAttribute(named: "history").utf8))
        let iterations = try file.intAttribute(named: "iterations")
        let count = model.graph.trainableParameters.count
        var moments = [[Float]?](repeating: nil, count: count)
        for index in 0..<count where try file.contains("moments/\(index)") {
            moments[index] = try file.dataset(at: "moments/\(index)").readFloats()
        }
        return State(history: history, iterations: iterations, moments: moments)
    }
}
