import CNN
import Foundation
import HDF5
import KerasFormat
import XCTest
import Zoo

/// MobileNet, MobileNetV2, EfficientNetB0 (random weights) and EfficientNet-Lite0 (the real
/// models/efficientnet_lite0.h5) against Keras: for each case written by
/// `scripts/parity/make_mobile_fixtures.py` (in `$TL_PARITY_DIR/mobile/`, listed in
/// `mobile_manifest.json`), this builds
/// the architecture in Swift, loads the weights by exact layer names, applies the
/// architecture's preprocessing to the raw [0, 255] input and compares it with Keras's
/// preprocessed input, then compares the pooled features and, with the top, the logits and
/// the probabilities, each within max|tl − keras| ≤ 1e-4 × (1 + max|keras|).
///
///     .venv-tf/bin/python scripts/parity/make_mobile_fixtures.py /tmp/tl-parity
///     TL_PARITY_DIR=/tmp/tl-parity swift test -c release --filter MobileZooParityTests
///
/// `TL_PARITY_ONLY=mobilenet,efficientnetb0` restricts the architectures.
final class MobileZooParityTests: XCTestCase {
    func testMobileZooMatchesKeras() throws {
        let (directory, cases) = try ParityManifest.load(subdirectory: "mobile", manifest: "mobile_manifest.json", script: "make_mobile_fixtures.py")
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
        // Random-weight cases name a weights file beside the fixture; Lite0 names the model file.
        let weightsPath = entry.weights.hasPrefix("/") ? entry.weights : directory.appendingPathComponent(entry.weights).path
        let weights = try KerasFile(path: weightsPath)
        let stored = try weights.storedLayers()
        let detected = Architecture.detectMobile(layerNames: stored.map(\.name))
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
            // The classifier before its softmax: MobileNet's 1×1 conv_preds, the others' Dense.
            let classifier = architecture == .mobilenet ? "conv_preds" : "predictions"
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
    func compare(_ ours: Tensor, _ keras: Tensor, _ what: String) {
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
