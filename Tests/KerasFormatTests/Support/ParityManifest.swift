import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest
import Zoo

/// The list of cases a parity fixture script writes (`scripts/parity/make_*_fixtures.py`).
struct ParityManifest: Decodable {
    struct Case: Decodable {
        let `case`: String
        let architecture: String
        let input_size: Int
        let include_top: Bool
        let fixture: String
        let weights: String
    }

    let cases: [Case]

    /// The cases in `$TL_PARITY_DIR/<subdirectory>/<manifest>`, filtered by `TL_PARITY_ONLY`;
    /// skips the test (naming `make parity`) when the fixtures are not there.
    static func load(subdirectory: String, manifest: String, script: String) throws -> (directory: URL, cases: [Case]) {
        guard let path = ProcessInfo.processInfo.environment["TL_PARITY_DIR"], !path.isEmpty else {
            throw XCTSkip("set TL_PARITY_DIR to the output of scripts/parity/\(script) (`make parity` does both)")
        }
        let directory = URL(fileURLWithPath: path).appendingPathComponent(subdirectory)
        let manifestURL = directory.appendingPathComponent(manifest)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw XCTSkip("\(manifestURL.path) is missing: run scripts/parity/\(script) \(path) (`make parity`)")
        }
        let parsed = try JSONDecoder().decode(ParityManifest.self, from: Data(contentsOf: manifestURL))
        XCTAssertFalse(parsed.cases.isEmpty, "\(manifestURL.path) lists no cases")
        let filter = ProcessInfo.processInfo.environment["TL_PARITY_ONLY"].map { Set($0.split(separator: ",").map(String.init)) }
        return (directory, parsed.cases.filter { filter?.contains($0.architecture) ?? true })
    }

    /// Builds the case's architecture, loads its weights by exact layer names, and compares the
    /// preprocessed input, the pooled features and, with the top, logits and probabilities.
    static func check(_ entry: Case, in directory: URL) throws {
        guard let architecture = Architecture(rawValue: entry.architecture) else {
            return XCTFail("\(entry.case): unknown architecture '\(entry.architecture)'")
        }
        let start = Date()
        let zoo = try architecture.build(ZooOptions(includeTop: entry.include_top,
                                                    inputSize: (entry.input_size, entry.input_size)))
        // Random-weight cases name a weights file beside the fixture; Lite0 names the model file.
        let weightsPath = entry.weights.hasPrefix("/") ? entry.weights : directory.appendingPathComponent(entry.weights).path
        let weights = try KerasFile(path: weightsPath)
        XCTAssertEqual(weights.layout, entry.weights.hasPrefix("/") ? .fullModel : .weightsOnly, entry.case)
        let stored = try weights.storedLayers()
        let detected = Architecture.detect(layerNames: stored.map(\.name))
        XCTAssertEqual(detected?.architecture, architecture, "\(entry.case): detection")
        XCTAssertEqual(detected?.includeTop, entry.include_top, "\(entry.case): detection of the top")
        let model = KerasModel(graph: zoo.graph, name: architecture.rawValue, classNames: zoo.kerasClassNames)
        try WeightLoader.load(stored, into: model, matching: .exactNames, file: weightsPath)

        let fixture = try File(opening: directory.appendingPathComponent(entry.fixture).path)
        func read(_ name: String) throws -> Tensor {
            let dataset = try fixture.dataset(at: name)
            return Tensor(shape: dataset.shape, scalars: try dataset.readFloats())
        }
        var input = try read("input_raw")
        zoo.preprocessing.apply(to: &input)
        compare(input, try read("input_preprocessed"), "\(entry.case) preprocessed input")

        let graph = zoo.graph
        var fetch = [zoo.featureNode, graph.outputNode]
        var logitsNode: Int?
        if entry.include_top {
            // The classifier before its softmax: MobileNet's 1×1 conv_preds, the first ResNet50's
            // fc1000, the others' Dense named predictions.
            let classifier = architecture == .mobilenet ? "conv_preds" : architecture == .resnet50Legacy ? "fc1000" : "predictions"
            logitsNode = graph.node(named: classifier)
            XCTAssertNotNil(logitsNode, "\(entry.case): no '\(classifier)' node")
            if let logitsNode { fetch.append(logitsNode) }
        }
        let outputs = try graph.run(feeding: [0: input], fetching: fetch, training: false)
        compare(outputs[zoo.featureNode]!, try read("features"), "\(entry.case) features")
        if let logitsNode {
            compare(outputs[logitsNode]!, try read("logits"), "\(entry.case) logits")
            compare(outputs[graph.outputNode]!, try read("probabilities"), "\(entry.case) probabilities")
        }
        print(String(format: "  %@: %.1f s (build, load, forward)", entry.case, Date().timeIntervalSince(start)))
    }

    /// Fails when max|ours − keras| > 1e-4 × (1 + max|keras|); prints the largest difference
    /// and where. Shapes must agree up to size-1 axes (MobileNet's pooled features and
    /// conv_preds are (N, 1, 1, C) where Keras's reshaped outputs are (N, C)).
    static func compare(_ ours: Tensor, _ keras: Tensor, _ what: String) {
        guard ours.shape.filter({ $0 != 1 }) == keras.shape.filter({ $0 != 1 }) else {
            return XCTFail("\(what): shape \(ours.shape), Keras \(keras.shape)")
        }
        var worst = (difference: Float(0), index: 0)
        var scale: Float = 0
        for index in 0..<keras.count {
            let difference = abs(ours.scalars[index] - keras.scalars[index])
            if !(difference <= worst.difference) { worst = (difference, index) }  // NaN counts as the worst
            scale = max(scale, abs(keras.scalars[index]))
        }
        let tolerance = 1e-4 * (1 + scale)
        let position = unravel(worst.index, shape: keras.shape)
        print("  \(what): max|diff| \(worst.difference) at \(position) (tl \(ours.scalars[worst.index]), "
              + "keras \(keras.scalars[worst.index])); max|keras| \(scale), tolerance \(tolerance)")
        XCTAssertTrue(worst.difference <= tolerance, "\(what): max|diff| \(worst.difference) at \(position) exceeds \(tolerance)")
    }

    static func unravel(_ index: Int, shape: [Int]) -> [Int] {
        var rest = index
        var result = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            result[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return result
    }
}
