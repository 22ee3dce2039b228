import Foundation
import XCTest

/// Where tests leave the PNGs they render, for a person to look at: the folder named by
/// TL_PLOT_EXAMPLES, or a temporary folder that is removed afterwards.
extension XCTestCase {
    func plotOutputDirectory() throws -> URL {
        if let kept = ProcessInfo.processInfo.environment["TL_PLOT_EXAMPLES"], !kept.isEmpty {
            let url = URL(fileURLWithPath: kept, isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        return try temporaryDirectory()
    }
}
