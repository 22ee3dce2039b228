/// Images per class and split, plus what the listing ignored; `description` is a text table:
///
///     class      train  val  test
///     benign        80   20     5
///     malignant     40   10     3
///     total        120   30     8
///     ignored: 2 hidden, 1 .txt
public struct DatasetSummary: Sendable, Equatable, CustomStringConvertible {
    public struct Counts: Sendable, Equatable {
        public var name: String
        public var train: Int
        public var validation: Int
        public var test: Int
    }

    public var classes: [Counts]
    public var ignored: IgnoredFiles

    public init(_ dataset: Dataset) {
        func counts(_ items: [DatasetItem]) -> [Int] {
            var result = [Int](repeating: 0, count: dataset.classNames.count)
            for item in items {
                if let label = item.label, result.indices.contains(label) { result[label] += 1 }
            }
            return result
        }
        let train = counts(dataset.train), validation = counts(dataset.validation), test = counts(dataset.test)
        classes = dataset.classNames.enumerated().map { index, name in
            Counts(name: name, train: train[index], validation: validation[index], test: test[index])
        }
        ignored = dataset.ignored
    }

    public var total: Counts {
        Counts(name: "total", train: classes.reduce(0) { $0 + $1.train },
               validation: classes.reduce(0) { $0 + $1.validation }, test: classes.reduce(0) { $0 + $1.test })
    }

    public var description: String {
        let showsTest = total.test > 0
        let rows = classes + [total]
        let headers = showsTest ? ["train", "val", "test"] : ["train", "val"]
        func numbers(_ counts: Counts) -> [String] {
            (showsTest ? [counts.train, counts.validation, counts.test] : [counts.train, counts.validation])
                .map(String.init)
        }
        let nameWidth = max("class".count, rows.map(\.name.count).max() ?? 0)
        let widths = headers.indices.map { column in
            max(headers[column].count, rows.map { numbers($0)[column].count }.max() ?? 0)
        }
        func render(_ name: String, _ cells: [String]) -> String {
            let padded = zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }
            return ([name + String(repeating: " ", count: nameWidth - name.count)] + padded).joined(separator: "  ")
        }
        var lines = [render("class", headers)]
        lines += rows.map { render($0.name, numbers($0)) }
        lines.append("ignored: \(ignored)")
        return lines.joined(separator: "\n")
    }
}
