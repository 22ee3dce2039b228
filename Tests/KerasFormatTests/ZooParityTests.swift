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
            try ParityManifest.check(entry, in: directory)
        }
    }

}
