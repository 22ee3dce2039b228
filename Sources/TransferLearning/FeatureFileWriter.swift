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

    /// Writes the file at `path` while `body` appends rows to the sink, so rows reach the disk
    /// as they are computed and never all sit in memory. Labels are class indices into
    /// `classNames` (pass `labeled: false` for unlabeled images). For `.npy`, the rows' paths and
    /// labels go to a sidecar `<name>.rows.csv` in the same order. Returns the files written.
    public static func write(to path: String, dimension: Int, classNames: [String], labeled: Bool,
                             provenance: Provenance, body: (FeatureSink) throws -> Void) throws -> [String] {
        guard let format = Format(path: path) else {
            throw TransferLearningError.invalidOption("\(path): use a .h5, .csv or .npy file name")
        }
        func labelName(_ label: Int?) -> String {
            guard let label, classNames.indices.contains(label) else { return "" }
            return classNames[label]
        }
        switch format {
        case .hdf5:
            try File.writeAtomically(to: path) { file in
                let features = try file.createRowAppender(at: "features", columns: dimension)
                let sink = FeatureSink(dimension: dimension) { rows, _, _ in try features.append(rows) }
                try body(sink)
                try file.createDataset(at: "paths", strings: sink.paths, storage: .variableLength)
                if labeled { try file.createDataset(at: "labels", values: sink.labels.map { Int64($0 ?? -1) }, shape: [sink.count]) }
                try file.createDataset(at: "class_names", strings: classNames, storage: .variableLength)
                try file.setAttribute(named: "model_sha256", to: provenance.modelSHA256)
                try file.setAttribute(named: "model", to: provenance.modelPath)
                try file.setAttribute(named: "layer", to: provenance.layer)
                try file.setAttribute(named: "pooling", to: provenance.pooling)
                try file.setAttribute(named: "preprocessing", to: provenance.input)
            }
            return [path]
        case .csv:
            try AtomicFile.write(to: URL(fileURLWithPath: path)) { file in
                try file.append(Data(("path,label," + (0..<dimension).map { "f\($0)" }.joined(separator: ",") + "\n").utf8))
                let sink = FeatureSink(dimension: dimension) { rows, paths, labels in
                    var text = ""
                    for (row, rowPath) in paths.enumerated() {
                        text += csvEscaped(rowPath) + "," + csvEscaped(labeled ? labelName(labels[row]) : "") + ","
                        text += rows[(row * dimension)..<((row + 1) * dimension)].map { "\($0)" }.joined(separator: ",") + "\n"
                    }
                    try file.append(Data(text.utf8))
                }
                try body(sink)
            }
            return [path]
        case .npy:
            var paths = [String]()
            var labels = [Int?]()
            try AtomicFile.write(to: URL(fileURLWithPath: path)) { file in
                // A header of fixed length, rewritten with the row count once it is known.
                try file.append(npyHeader(shape: [0, dimension]))
                let sink = FeatureSink(dimension: dimension) { rows, _, _ in try file.append(UnsafeRawBufferPointer(rows)) }
                try body(sink)
                try npyHeader(shape: [sink.count, dimension]).withUnsafeBytes { try file.overwrite($0, at: 0) }
                (paths, labels) = (sink.paths, sink.labels)
            }
            let sidecar = URL(fileURLWithPath: path).deletingPathExtension().path + ".rows.csv"
            var text = "row,path,label\n"
            for (row, rowPath) in paths.enumerated() {
                text += "\(row),\(csvEscaped(rowPath)),\(csvEscaped(labeled ? labelName(labels[row]) : ""))\n"
            }
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: sidecar))
            return [path, sidecar]
        }
    }

    /// NPY version 1.0 header: magic, header length, a Python dict literal padded so the
    /// header takes 128 bytes whatever the shape (it is rewritten in place once the row count
    /// is known); little-endian float32 data in C order follows.
    static func npyHeader(shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        header += String(repeating: " ", count: max(0, 128 - 10 - header.utf8.count - 1)) + "\n"
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

/// Where extracted features go, row by row, while the output file is being written.
public final class FeatureSink {
    public let dimension: Int
    /// The paths and labels of the rows appended so far, in order.
    public private(set) var paths: [String] = []
    public private(set) var labels: [Int?] = []
    private let writeRows: (UnsafeBufferPointer<Float>, [String], [Int?]) throws -> Void

    init(dimension: Int, writeRows: @escaping (UnsafeBufferPointer<Float>, [String], [Int?]) throws -> Void) {
        self.dimension = dimension
        self.writeRows = writeRows
    }

    public var count: Int { paths.count }

    /// Appends one row of `dimension` values per path.
    public func append(_ rows: UnsafeBufferPointer<Float>, paths newPaths: [String], labels newLabels: [Int?]) throws {
        precondition(rows.count == newPaths.count * dimension && newLabels.count == newPaths.count)
        try writeRows(rows, newPaths, newLabels)
        paths += newPaths
        labels += newLabels
    }
}
