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
            try ParityManifest.check(entry, in: directory)
        }
    }

}
