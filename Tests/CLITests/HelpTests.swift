import Foundation
import XCTest

/// `tl --help`, each subcommand's `--help`, and `tl --version`.
final class HelpTests: XCTestCase {
    static let subcommands = ["extract-features", "retrain-head", "finetune", "predict", "evaluate", "info", "self-check"]

    var cacheHome: URL!

    override func setUpWithError() throws {
        cacheHome = try makeTemporaryDirectory("help-cache", for: self)
    }

    func testTopLevelHelpListsEverySubcommand() throws {
        let run = try runTL(["--help"], cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.stdout.contains("USAGE: tl <subcommand>"), run.transcript)
        let section = run.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        for name in Self.subcommands {
            XCTAssertTrue(section.contains("  \(name) "), "`tl --help` does not list \(name)\n\(run.transcript)")
        }
    }

    func testEverySubcommandHelpHasExamples() throws {
        for name in Self.subcommands {
            let run = try runTL([name, "--help"], cacheHome: cacheHome)
            XCTAssertEqual(run.status, 0, run.transcript)
            XCTAssertTrue(run.stdout.contains("USAGE: tl \(name)"), run.transcript)
            XCTAssertTrue(run.stdout.contains("Example"), "\(name) --help has no examples\n\(run.transcript)")
            XCTAssertTrue(run.stdout.contains("  tl \(name)"), "\(name) --help has no example command line\n\(run.transcript)")
            XCTAssertEqual(run.stderr, "", run.transcript)
        }
    }

    /// ArgumentParser wraps help at 80 columns without indenting the rest, so an example longer
    /// than that comes out broken in two (`--model` on one line, the file at column 0 of the
    /// next), which cannot be copied. Examples must fit, continued with `\` where needed.
    func testExamplesAreNotBrokenByWrapping() throws {
        for arguments in Self.subcommands.map({ [$0, "--help"] }) {
            let run = try runTL(arguments, cacheHome: cacheHome)
            let lines = run.stdout.components(separatedBy: "\n")
            guard let start = lines.firstIndex(where: { $0.hasPrefix("Example") }),
                  let end = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else {
                XCTFail("no Examples section before USAGE\n\(run.stdout)")
                continue
            }
            for line in lines[(start + 1)..<end] where !line.isEmpty {
                XCTAssertTrue(line.hasPrefix(" ") || (line.hasSuffix(":") && line.count < 40),
                              "tl \(arguments[0]) --help: '\(line)' is a wrapped piece of an example\n\(run.stdout)")
                XCTAssertLessThanOrEqual(line.count, 80, line)
            }
            // A continued example goes on with an indented line.
            for (index, line) in lines.enumerated() where line.hasSuffix("\\") {
                XCTAssertTrue(lines[index + 1].hasPrefix("      "), "continuation of '\(line)'")
            }
        }
    }

    func testVersionPrintsVersionAndBLASKernel() throws {
        let run = try runTL(["--version"], cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        let lines = run.stdoutLines
        XCTAssertEqual(lines.first, "tl 0.1.0", run.transcript)
        XCTAssertTrue(lines.contains { $0.hasPrefix("BLAS:") && $0.contains("kernel") && $0.contains("thread") }, run.transcript)
        // TL_THREADS=2 is honoured by the engine (BLAS calls are split between its threads).
        XCTAssertTrue(run.stdout.contains("2 thread(s)"), run.transcript)
        // tl restarted itself with glibc's huge-page tunable, wherever the kernel offers them.
        let mode = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? "[never]"
        XCTAssertTrue(lines.contains(mode.contains("[never]") ? "heap: 4 KiB pages (the kernel's transparent huge pages are off)"
                                                               : "heap: transparent huge pages"), run.transcript)
    }

    func testSelfCheckPasses() throws {
        let run = try runTL(["self-check"], cacheHome: cacheHome)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.stdout.contains("matches a direct loop"), run.transcript)
        XCTAssertTrue(run.stdout.contains("denormal numbers flush to zero on every engine thread"), run.transcript)
    }

    func testUnknownSubcommandFails() throws {
        let run = try runTL(["retrain-heads"], cacheHome: cacheHome)
        XCTAssertNotEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.stderr.contains("retrain-heads"), run.transcript)
    }
}
