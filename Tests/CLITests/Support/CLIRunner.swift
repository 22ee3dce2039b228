import Foundation
import XCTest

/// The repository this test file belongs to.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Support
    .deletingLastPathComponent()  // CLITests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// The built `tl`: `TL_BINARY` if set (e.g. a build with another --scratch-path),
/// else `<repo>/.build/debug/tl`, which `swift build --build-tests` makes.
func tlBinary() throws -> URL {
    let environment = ProcessInfo.processInfo.environment
    let url: URL
    if let override = environment["TL_BINARY"], !override.isEmpty {
        url = URL(fileURLWithPath: override)
    } else {
        url = repositoryRoot.appendingPathComponent(".build/debug/tl")
    }
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw CLITestError("the tl binary is missing at \(url.path): build it first with `swift build --build-tests` "
                           + "(or `make test`), or point TL_BINARY at it")
    }
    return url
}

struct CLITestError: LocalizedError, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
    var description: String { message }
}

/// What a run of the binary did.
struct RunResult {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double

    /// stderr without blank lines.
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// For assertion messages.
    var transcript: String {
        "tl \(arguments.joined(separator: " "))\nexit status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }

    /// The lines from the first "Error:" line to the end of stderr (ArgumentParser adds a usage
    /// hint after validation errors).
    var errorMessageLines: [String] {
        let lines = stderrLines
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Error:") }) else { return [] }
        return Array(lines[start...])
    }
}

/// Runs `tl` with `arguments`, stdout and stderr captured through files (no pipe can fill
/// up and block the child), with TL_THREADS=2 and XDG_CACHE_HOME at `cacheHome`.
@discardableResult
func runTL(_ arguments: [String], cacheHome: URL, environment extra: [String: String] = [:],
           currentDirectory: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
    let binary = try tlBinary()
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tl-cli-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)

    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["TL_THREADS"] = "2"
    environment["XDG_CACHE_HOME"] = cacheHome.path
    environment.removeValue(forKey: "TL_TEST_STOP_AFTER_EPOCHS")
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    let started = Date()
    try process.run()
    process.waitUntilExit()
    let seconds = Date().timeIntervalSince(started)
    try out.close()
    try err.close()
    let result = RunResult(arguments: arguments, status: process.terminationStatus,
                           stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                           stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                           seconds: seconds)
    if process.terminationReason == .uncaughtSignal {
        XCTFail("tl was killed by signal \(process.terminationStatus)\n\(result.transcript)", file: file, line: line)
    }
    return result
}

/// A fresh temporary folder, removed by the test case's teardown.
func makeTemporaryDirectory(_ label: String, for testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tl-cli-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
