import Foundation
import HDF5
import TransferLearning
import XCTest

/// `tl extract-features` to .h5, .csv and .npy: the same rows, in the same order.
final class ExtractFeaturesTests: XCTestCase {
    func testTheThreeFormatsHoldTheSameRows() throws {
        let work = try makeTemporaryDirectory("features", for: self)
        func extract(_ name: String) throws -> (URL, RunResult) {
            let output = work.appendingPathComponent("out/\(name)")
            let run = try runTL(["extract-features", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                                 "--output", output.path, "--batch-size", "5"], cacheHome: work)
            XCTAssertEqual(run.status, 0, run.transcript)
            XCTAssertTrue(run.stdout.contains("\(Fixtures.goodImages.count) images × \(Fixtures.featureDimension) features from layer avg_pool"),
                          run.transcript)
            XCTAssertTrue(run.stdout.contains("skipped 3 unreadable image(s)"), run.transcript)
            return (output, run)
        }
        let count = Fixtures.goodImages.count
        let dimension = Fixtures.featureDimension
        let expectedPaths = Fixtures.goodImages.map { Fixtures.dataset.appendingPathComponent($0).path }

        // HDF5
        let (h5, _) = try extract("features.h5")
        let file = try HDF5.File(opening: h5.path)
        let features = try file.dataset(at: "features")
        XCTAssertEqual(features.shape, [count, dimension])
        let h5Values = try features.readFloats()
        let h5Paths = try file.dataset(at: "paths").readStrings()
        XCTAssertEqual(h5Paths.sorted(), expectedPaths.sorted(), "exactly the readable images")
        let labels = try file.dataset(at: "labels").readInts()
        XCTAssertEqual(labels.count, count)
        for (path, label) in zip(h5Paths, labels) {
            XCTAssertEqual(Fixtures.classNames[label], URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent, path)
        }
        XCTAssertEqual(try file.dataset(at: "class_names").readStrings(), Fixtures.classNames)
        XCTAssertEqual(try file.stringAttribute(named: "model_sha256"), try SHA256.hexDigest(ofFileAt: Fixtures.backbone.path))
        XCTAssertEqual(try file.stringAttribute(named: "layer"), "avg_pool")
        XCTAssertTrue(try file.hasAttribute(named: "preprocessing"))
        XCTAssertTrue(h5Values.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(Set(h5Values).count, dimension, "features vary between images")

        // CSV: path,label,f0..f7
        let (csv, _) = try extract("features.csv")
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "path,label," + (0..<dimension).map { "f\($0)" }.joined(separator: ","))
        XCTAssertEqual(lines.count, count + 1)
        let csvRows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csvRows.map { $0[0] }, h5Paths, "same rows in the same order as the .h5")
        for (row, fields) in csvRows.enumerated() {
            XCTAssertEqual(fields.count, 2 + dimension)
            XCTAssertEqual(fields[1], Fixtures.classNames[labels[row]])
            XCTAssertEqual(fields[2...].map { Float($0)! }, Array(h5Values[(row * dimension)..<((row + 1) * dimension)]),
                           "row \(row) of the CSV is the .h5's")
        }

        // NPY, with the rows in a sidecar CSV.
        let (npy, npyRun) = try extract("features.npy")
        let sidecar = work.appendingPathComponent("out/features.rows.csv")
        XCTAssertTrue(npyRun.stdout.contains(sidecar.path), npyRun.transcript)
        let data = try Data(contentsOf: npy)
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "the header is padded to 64 bytes")
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'descr': '<f4'"), header)
        XCTAssertTrue(header.contains("'fortran_order': False"), header)
        XCTAssertTrue(header.contains("'shape': (\(count), \(dimension))"), header)
        XCTAssertTrue(header.hasSuffix("\n"), header)
        let body = data.dropFirst(10 + headerLength)
        XCTAssertEqual(body.count, count * dimension * 4)
        let npyValues: [Float] = body.withUnsafeBytes { raw in
            (0..<(count * dimension)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        XCTAssertEqual(npyValues, h5Values)
        let sidecarLines = try String(contentsOf: sidecar, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(sidecarLines.first, "row,path,label")
        XCTAssertEqual(sidecarLines.dropFirst().map { String($0.split(separator: ",")[1]) }, h5Paths)

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("out").path).sorted(),
                       ["features.csv", "features.h5", "features.npy", "features.rows.csv"], "no temporary files")

        // Each row belongs to its path even after skipped files closed gaps: the last image alone.
        let last = h5Paths.count - 1
        let alone = work.appendingPathComponent("alone")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: h5Paths[last]),
                                         to: alone.appendingPathComponent(URL(fileURLWithPath: h5Paths[last]).lastPathComponent))
        let single = work.appendingPathComponent("out-alone/features.npy")
        let run = try runTL(["extract-features", alone.path, "--model", Fixtures.backbone.path,
                             "--output", single.path], cacheHome: work)
        XCTAssertEqual(run.status, 0, run.transcript)
        let singleValues: [Float] = try Data(contentsOf: single).dropFirst(10 + headerLength).withUnsafeBytes { raw in
            (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        for (index, value) in singleValues.enumerated() {
            XCTAssertEqual(value, h5Values[last * dimension + index], accuracy: 1e-5 * max(1, abs(value)), "feature \(index) of the last row")
        }
    }

    func testUnlabeledFolderAndMaxPooling() throws {
        let work = try makeTemporaryDirectory("features-unlabeled", for: self)
        let folder = work.appendingPathComponent("loose")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in Fixtures.goodImages.prefix(3) {
            try FileManager.default.copyItem(at: Fixtures.dataset.appendingPathComponent(name),
                                             to: folder.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent))
        }
        let output = work.appendingPathComponent("f.h5")
        let run = try runTL(["extract-features", folder.path, "--model", Fixtures.backbone.path, "--output", output.path,
                             "--layer", "b1_relu", "--pool", "max"], cacheHome: work)
        XCTAssertEqual(run.status, 0, run.transcript)
        let file = try HDF5.File(opening: output.path)
        XCTAssertEqual(try file.dataset(at: "features").shape, [3, 8])
        XCTAssertFalse(try file.contains("labels"), "unlabeled images have no labels")
        XCTAssertEqual(try file.stringAttribute(named: "layer"), "b1_relu")
        XCTAssertEqual(try file.stringAttribute(named: "pooling"), "max")
        // After a ReLU, max pooling is never negative.
        XCTAssertTrue(try file.dataset(at: "features").readFloats().allSatisfy { $0 >= 0 })
    }

    func testAnUnknownOutputExtensionIsAValidationError() throws {
        let work = try makeTemporaryDirectory("features-bad", for: self)
        let output = work.appendingPathComponent("features.parquet")
        let run = try runTL(["extract-features", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                             "--output", output.path], cacheHome: work)
        XCTAssertEqual(run.status, 64, "a usage error\n\(run.transcript)")
        let message = run.errorMessageLines
        XCTAssertTrue(message.first?.contains("--output \(output.path)") ?? false, run.transcript)
        XCTAssertTrue(message.first?.contains(".h5, .csv or .npy") ?? false, run.transcript)
        XCTAssertLessThanOrEqual(message.count, 3, run.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testAnUnknownLayerIsNamed() throws {
        let work = try makeTemporaryDirectory("features-layer", for: self)
        let run = try runTL(["extract-features", Fixtures.dataset.path, "--model", Fixtures.backbone.path,
                             "--output", work.appendingPathComponent("f.h5").path, "--layer", "block9_nothing"], cacheHome: work)
        XCTAssertNotEqual(run.status, 0, run.transcript)
        XCTAssertEqual(run.errorMessageLines.count, 1, run.transcript)
        XCTAssertTrue(run.errorMessageLines.first?.contains("'block9_nothing'") ?? false, run.transcript)
    }
}
