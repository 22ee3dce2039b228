import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest
import Zoo

/// Zoo architectures against Keras on random weights: for each case written by
/// `scripts/parity/make_zoo_fixtures.py` (run by `make parity`; read from
/// `$TL_PARITY_DIR/classic/zoo_manifest.json`) this builds the
/// architecture in Swift, loads the tf_keras `save_weights` file by exact layer names,
/// applies the architecture's preprocessing to the raw [0, 255] input, and compares the
/// preprocessed input, the pooled features and, with the top, the logits and the
/// probabilities with Keras's, within 1e-4 × (1 + max|keras|).
///
///     .venv-tf/bin/python scripts/parity/make_zoo_fixtures.py /tmp/tl-parity   # --quick: no 224 cases
///     TL_PARITY_DIR=/tmp/tl-parity swift test --filter ZooParityTests
///
/// `TL_PARITY_ONLY=resnet50,vgg16` restricts the architectures. Even a debug build runs
/// all cases in about 20 s (the convolutions are BLAS calls).
final class ZooParityTests: XCTestCase {
    func testZooMatchesKeras() throws {
        let (directory, cases) = try ParityManifest.load(subdirectory: "classic", manifest: "zoo_manifest.json", script: "make_zoo_fixtures.py")
        for entry in cases {
            try check(entry, in: directory)
        }
    }

    func check(_ entry: ParityManifest.Case, in directory: URL) throws {
        guard let architecture = Architecture(rawValue: entry.architecture) else {
            return XCTFail("\(entry.case): unknown architecture '\(entry.architecture)'")
        }
        let start = Date()
        let zoo = try architecture.build(ZooOptions(includeTop: entry.include_top,
                                                    inputSize: (entry.input_size, entry.input_size)))
        let weightsPath = directory.appendingPathComponent(entry.weights).path
        let weights = try KerasFile(path: weightsPath)
        XCTAssertEqual(weights.layout, .weightsOnly, entry.case)
        let stored = try weights.storedLayers()
        let detected = Architecture.detectClassic(layerNames: stored.map(\.name))
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
            let classifier = architecture == .resnet50Legacy ? "fc1000" : "predictions"
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

    /// Fails when max|ours − keras| > 1e-4 × (1 + max|keras|); prints the largest difference and where.
    func compare(_ ours: Tensor, _ keras: Tensor, _ what: String) {
        guard ours.shape == keras.shape else {
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
        print("  \(what): max|diff| \(worst.difference) at \(position) (tl \(ours.scalars[worst.index]), keras \(keras.scalars[worst.index])); max|keras| \(scale), tolerance \(tolerance)")
        XCTAssertTrue(worst.difference <= tolerance,
                      "\(what): max|diff| \(worst.difference) at \(position) exceeds \(tolerance)")
    }

    func unravel(_ index: Int, shape: [Int]) -> [Int] {
        var rest = index
        var result = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            result[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return result
    }
}
