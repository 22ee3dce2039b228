import Foundation
import XCTest

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
}
