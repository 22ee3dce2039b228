import CNN
import Foundation
import HDF5
import Imaging

/// Writes extracted features as HDF5, CSV or NumPy `.npy`, chosen by extension,
/// always to a temporary file that is renamed into place.
public enum FeatureFileWriter {
    public struct Provenance {
        public var modelSHA256: String
        public var modelPath: String
        public var layer: String
        public var pooling: String
        public var input: String

        public init(modelSHA256: String, modelPath: String, layer: String, pooling: String, input: String) {
            self.modelSHA256 = modelSHA256
            self.modelPath = modelPath
            self.layer = layer
            self.pooling = pooling
            self.input = input
        }
    }

    public enum Format: String {
        case hdf5, csv, npy

        public init?(path: String) {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "h5", "hdf5": self = .hdf5
            case "csv": self = .csv
            case "npy": self = .npy
            default: return nil
            }
        }
    }

    /// `labels` are class indices (nil for unlabeled images). For `.npy`, the rows' paths
    /// and labels go to a sidecar `<name>.rows.csv` in the same order.
    public static func write(features: Tensor, paths: [String], labels: [Int]?, classNames: [String],
                             provenance: Provenance, to path: String) throws -> [String] {
        guard let format = Format(path: path) else {
            throw TransferLearningError.invalidOption("\(path): use a .h5, .csv or .npy file name")
        }
        switch format {
        case .hdf5:
            try File.writeAtomically(to: path) { file in
                try file.createDataset(at: "features", values: features.scalars, shape: features.shape)
                try file.createDataset(at: "paths", strings: paths, storage: .variableLength)
                if let labels { try file.createDataset(at: "labels", values: labels.map(Int64.init), shape: [labels.count]) }
                try file.createDataset(at: "class_names", strings: classNames, storage: .variableLength)
                try file.setAttribute(named: "model_sha256", to: provenance.modelSHA256)
                try file.setAttribute(named: "model", to: provenance.modelPath)
                try file.setAttribute(named: "layer", to: provenance.layer)
                try file.setAttribute(named: "pooling", to: provenance.pooling)
                try file.setAttribute(named: "preprocessing", to: provenance.input)
            }
            return [path]
        case .csv:
            let dimension = features.sampleCount
            // Row by row into the file: the text is about three times the size of the floats.
            try AtomicFile.write(to: URL(fileURLWithPath: path)) { append in
                func appendText(_ text: String) throws {
                    var text = text
                    try text.withUTF8 { try append(UnsafeRawBufferPointer($0)) }
                }
                try appendText("path,label," + (0..<dimension).map { "f\($0)" }.joined(separator: ",") + "\n")
                for row in 0..<paths.count {
                    let label = labels.map { classNames.indices.contains($0[row]) ? classNames[$0[row]] : "" } ?? ""
                    var line = csvEscaped(paths[row]) + "," + csvEscaped(label) + ","
                    line += features.scalars[(row * dimension)..<((row + 1) * dimension)].map { "\($0)" }.joined(separator: ",")
                    try appendText(line + "\n")
                }
            }
            return [path]
        case .npy:
            try AtomicFile.write(to: URL(fileURLWithPath: path)) { append in
                try npyHeader(shape: features.shape).withUnsafeBytes { try append($0) }
                try features.scalars.withUnsafeBytes { try append($0) }
            }
            let sidecar = URL(fileURLWithPath: path).deletingPathExtension().path + ".rows.csv"
            var text = "row,path,label\n"
            for row in 0..<paths.count {
                let label = labels.map { classNames.indices.contains($0[row]) ? classNames[$0[row]] : "" } ?? ""
                text += "\(row),\(csvEscaped(paths[row])),\(csvEscaped(label))\n"
            }
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: sidecar))
            return [path, sidecar]
        }
    }

    /// NPY version 1.0 header: magic, header length, a Python dict literal padded to 64 bytes;
    /// little-endian float32 data in C order follows.
    static func npyHeader(shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        return data
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    public static func csvEscaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
