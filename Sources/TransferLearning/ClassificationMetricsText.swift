import Foundation

/// Plain-text renderings for the terminal and for logs: fixed-width columns, ASCII only, so
/// they line up in any terminal and survive copying into an e-mail or a lab notebook.
extension ClassificationMetrics {
    /// The summary, the per-class table, the confusion matrix and the notes.
    public var text: String {
        var parts = [summaryText, perClassTable, confusionMatrixText]
        if !notes.isEmpty {
            parts.append(notes.map { "Note: \($0)" }.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// Sample count, accuracy, balanced accuracy and ROC AUC, one per line.
    public var summaryText: String {
        let correct = (0..<classNames.count).reduce(0) { $0 + confusionMatrix[$1][$1] }
        var auc = rocAUC.value.map(Self.decimal) ?? "undefined"
        switch rocAUC.method {
        case .binary:
            auc += "  (positive class '\(classNames[1])')"
        case .oneVsRestMacro:
            let scored = classNames.count - rocAUC.skippedClasses.count
            if rocAUC.value != nil { auc += "  (one-vs-rest, macro average of \(scored) classes)" }
        }
        let rows = [
            ("Samples", "\(sampleCount)"),
            ("Accuracy", "\(Self.decimal(accuracy))  (\(correct) of \(sampleCount))"),
            ("Balanced accuracy", Self.decimal(balancedAccuracy)),
            ("ROC AUC", auc),
        ]
        let width = rows.map(\.0.count).max()!
        return rows.map { Self.padded($0.0, width) + "  " + $0.1 }.joined(separator: "\n")
    }

    /// Precision, recall, specificity, F1 and support per class, then the averages.
    public var perClassTable: String {
        let header = ["class", "precision", "recall", "specificity", "f1", "support"]
        var rows = perClass.map { metrics in
            [metrics.name, Self.decimal(metrics.precision), Self.decimal(metrics.recall),
             Self.decimal(metrics.specificity), Self.decimal(metrics.f1), "\(metrics.support)"]
        }
        for (name, average) in [("macro avg", macroAverage), ("weighted avg", weightedAverage)] {
            rows.append([name, Self.decimal(average.precision), Self.decimal(average.recall),
                         Self.decimal(average.specificity), Self.decimal(average.f1), "\(sampleCount)"])
        }
        return Self.table([header] + rows, leftAligned: [0])
    }

    /// Rows are true classes, columns predicted classes. When the class names would make the
    /// table wider than a terminal, columns are headed by class index instead.
    public var confusionMatrixText: String {
        let title = "Confusion matrix (rows: true class, columns: predicted class)"
        let corner = "true \\ predicted"
        let counts = confusionMatrix.map { $0.map(String.init) }
        let named = [[corner] + classNames] + zip(classNames, counts).map { [$0.0] + $0.1 }
        let byName = Self.table(named, leftAligned: [0])
        if byName.split(separator: "\n").map(\.count).max()! <= 100 {
            return title + "\n" + byName
        }
        let indexed = [[corner] + classNames.indices.map(String.init)]
            + zip(classNames.indices, counts).map { ["\($0.0) \(classNames[$0.0])"] + $0.1 }
        return title + "\n" + Self.table(indexed, leftAligned: [0])
    }

    static func decimal(_ value: Double) -> String {
        String(format: "%.4f", value)
    }

    /// Columns as wide as their widest cell, two spaces apart; numbers right-aligned.
    static func table(_ rows: [[String]], leftAligned: Set<Int>) -> String {
        let columnCount = rows.map(\.count).max() ?? 0
        let widths = (0..<columnCount).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                leftAligned.contains(column) ? padded(cell, widths[column]) : padding(cell, widths[column]) + cell
            }
            .joined(separator: "  ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        .joined(separator: "\n")
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text + padding(text, width)
    }

    private static func padding(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count))
    }
}
