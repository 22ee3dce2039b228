/// The area under the ROC curve, from the ranks of the scores (Mann–Whitney U), which equals
/// the trapezoidal area under the exact ROC curve: a tie between a positive and a negative
/// counts one half, as a diagonal step of the curve does.
///
/// - Two classes: the AUC of class 1 (the positive class) from its probability column, as
///   scikit-learn's `roc_auc_score(y, p[:, 1])`.
/// - More classes: one-vs-rest for each class (its column against all other samples), then
///   the unweighted mean, as `roc_auc_score(y, p, multi_class='ovr', average='macro')`.
///   When a class has no samples in y, scikit-learn raises (before 1.6) or warns and returns
///   NaN for the whole average (1.6 and later); here that class is left out of the mean and
///   named in `skippedClasses`, so one rare class missing from a small test set does not cost
///   the whole evaluation. `value` is nil only when no class can be scored (all samples in one
///   class); JSON shows it as null.
public struct ROCAUC: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable {
        case binary
        case oneVsRestMacro = "one-vs-rest macro"
    }

    public let method: Method
    public let value: Double?
    /// One-vs-rest AUC of each class from its own column; nil for a class without samples,
    /// or for a class that every sample belongs to.
    public let perClass: [Double?]
    /// Classes without a defined one-vs-rest AUC, left out of the macro average.
    public let skippedClasses: [String]

    /// `scores`: N × K, row-major, finite.
    init(trueLabels: [Int], scores: [Float], classNames: [String]) {
        let classCount = classNames.count
        perClass = (0..<classCount).map { k in
            let column = (0..<trueLabels.count).map { scores[$0 * classCount + k] }
            return rankAUC(scores: column, positives: trueLabels.map { $0 == k })
        }
        skippedClasses = zip(classNames, perClass).filter { $0.1 == nil }.map(\.0)
        if classCount == 2 {
            method = .binary
            value = perClass[1]
        } else {
            method = .oneVsRestMacro
            let defined = perClass.compactMap { $0 }
            value = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
        }
    }

    /// Why `value` is missing or averages fewer than all classes.
    var notes: [String] {
        guard !skippedClasses.isEmpty else { return [] }
        if value == nil {
            return ["ROC AUC is undefined: the true labels hold a single class"]
        }
        let verb = skippedClasses.count == 1 ? "has" : "have"
        return ["ROC AUC leaves out \(ClassificationMetrics.list(skippedClasses)), which \(verb) no samples "
            + "(scikit-learn would give no average)"]
    }
}

/// P(score of a random positive > score of a random negative) + ½ P(equal), from average
/// ranks: (sum of positive ranks − n₊(n₊ + 1)/2) / (n₊ n₋). Nil without positives or negatives.
func rankAUC(scores: [Float], positives: [Bool]) -> Double? {
    let positiveCount = positives.filter { $0 }.count
    let negativeCount = positives.count - positiveCount
    guard positiveCount > 0, negativeCount > 0 else { return nil }

    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var positiveRankSum = 0.0
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
        // Ranks start..<end (1-based: start + 1 ... end) share their mean.
        let averageRank = Double(start + 1 + end) / 2
        for position in start..<end where positives[order[position]] {
            positiveRankSum += averageRank
        }
        start = end
    }
    let p = Double(positiveCount)
    return (positiveRankSum - p * (p + 1) / 2) / (p * Double(negativeCount))
}
