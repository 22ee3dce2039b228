import Foundation

/// Lists a CSV manifest: a header naming `path` and `label` (any order, any case, other
/// columns ignored) and optionally `split` (train, val or test; empty means train). Relative
/// paths are relative to the CSV file's folder. Every listed file must exist.
func listCSVManifest(at csv: URL) throws -> DatasetListing {
    let csv = csv.standardizedFileURL
    let text: String
    do {
        let data = try contentsOfFile(atPath: csv.path)
        text = String(decoding: data, as: UTF8.self)
    } catch {
        let reason = (error as? FileReadError)?.reason ?? "\(error)"
        if !FileManager.default.fileExists(atPath: csv.path) { throw DatasetError.notFound(path: csv.path) }
        throw DatasetError.unreadableCSV(path: csv.path, reason: reason)
    }

    let records: [CSVParser.Record]
    do {
        records = try CSVParser.records(in: text)
    } catch CSVParser.Failure.unterminatedQuote(let line) {
        throw DatasetError.csvMalformed(path: csv.path, line: line, reason: "a quoted field is never closed")
    }
    guard let header = records.first else {
        throw DatasetError.csvMissingColumns(path: csv.path, missing: ["path", "label"], found: [])
    }
    let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    let missing = ["path", "label"].filter { !columns.contains($0) }
    guard missing.isEmpty, let pathColumn = columns.firstIndex(of: "path"),
          let labelColumn = columns.firstIndex(of: "label") else {
        throw DatasetError.csvMissingColumns(path: csv.path, missing: missing, found: columns)
    }
    let splitColumn = columns.firstIndex(of: "split")
    let rows = records.dropFirst()
    guard !rows.isEmpty else { throw DatasetError.csvEmpty(path: csv.path) }

    let folder = csv.deletingLastPathComponent()
    var entries: [(line: Int, entry: DatasetListing.Entry)] = []
    var missingFiles: [(line: Int, file: String)] = []
    for row in rows {
        guard row.fields.count == columns.count else {
            throw DatasetError.csvMalformed(path: csv.path, line: row.line,
                                            reason: "\(row.fields.count) fields where the header has \(columns.count)")
        }
        let path = row.fields[pathColumn].trimmingCharacters(in: .whitespaces)
        let label = row.fields[labelColumn].trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else {
            throw DatasetError.csvMalformed(path: csv.path, line: row.line, reason: "empty path")
        }
        guard !label.isEmpty else {
            throw DatasetError.csvMalformed(path: csv.path, line: row.line, reason: "empty label for \(path)")
        }
        var split: DatasetSplit?
        if let splitColumn {
            let value = row.fields[splitColumn].trimmingCharacters(in: .whitespaces)
            if !value.isEmpty {
                guard let parsed = DatasetSplit(csvValue: value) else {
                    throw DatasetError.csvUnknownSplit(path: csv.path, line: row.line, value: value)
                }
                split = parsed
            }
        }
        let url = (path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path))
            .standardizedFileURL
        if !FileManager.default.fileExists(atPath: url.path) { missingFiles.append((row.line, path)) }
        entries.append((row.line, DatasetListing.Entry(url: url, className: label, split: split)))
    }
    if let first = missingFiles.first {
        throw DatasetError.csvMissingFile(path: csv.path, line: first.line, file: first.file,
                                          missingCount: missingFiles.count)
    }

    let classNames = sortedClassNames(entries.map(\.entry.className))
    let rank = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
    // The same order as a folder listing: by class, then by path.
    let sorted = entries.map(\.entry).sorted {
        let a = rank[$0.className]!, b = rank[$1.className]!
        return a != b ? a < b : codePointOrder($0.url.path, $1.url.path)
    }
    return DatasetListing(classNames: classNames, entries: sorted)
}
