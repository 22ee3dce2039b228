import CNN
import Foundation

/// How well predicted class probabilities match true labels: the numbers a `tl evaluate`
/// report gives, computed like scikit-learn's with `zero_division=0`.
///
/// Conventions (each stated where a value could otherwise be undefined):
/// - The predicted class of a sample is the index of its largest probability; ties go to the
///   lowest index, as numpy's `argmax` does.
/// - A ratio whose denominator is zero is 0: the precision of a class that is never predicted,
///   the recall of a class absent from the true labels, a specificity without negatives, F1
///   when there is no true positive. scikit-learn's `zero_division=0` gives the same numbers.
/// - Balanced accuracy is the mean recall over the classes present in the true labels, as in
///   `balanced_accuracy_score` (classes without samples have no recall to average).
/// - Macro averages take every class, present or not, with equal weight (scikit-learn's
///   `average='macro'` with `labels` = all classes); weighted averages weight by support.
/// - ROC AUC: see `ROCAUC`.
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    public let classNames: [String]
    public let sampleCount: Int
    /// `confusionMatrix[t][p]`: the samples of true class t predicted as class p.
    public let confusionMatrix: [[Int]]
    /// The fraction of samples predicted correctly.
    public let accuracy: Double
    public let balancedAccuracy: Double
    /// One entry per class, in class-index order.
    public let perClass: [ClassMetrics]
    public let macroAverage: AveragedMetrics
    public let weightedAverage: AveragedMetrics
    public let rocAUC: ROCAUC
    /// Why a value is missing or differs from what scikit-learn would do (empty classes).
    public let notes: [String]

    /// - Parameters:
    ///   - trueLabels: N class indices in `0..<classNames.count`.
    ///   - probabilities: N × K scores, row i for sample i, K = `classNames.count`. Softmax
    ///     outputs in practice; AUC needs only their order, accuracy only the argmax.
    public init(trueLabels: [Int], probabilities: [[Float]], classNames: [String]) throws {
        let classCount = classNames.count
        for (row, scores) in probabilities.enumerated() where scores.count != classCount {
            throw MetricsError.rowLength(row: row, count: scores.count, classCount: classCount)
        }
        try self.init(trueLabels: trueLabels, scores: probabilities.flatMap { $0 }, classNames: classNames)
    }

    /// As above, with the probabilities as an (N, K) tensor, the head's softmax output.
    public init(trueLabels: [Int], probabilities: Tensor, classNames: [String]) throws {
        guard probabilities.rank == 2, probabilities.shape[1] == classNames.count else {
            throw MetricsError.shape(probabilities.shape, expectedClasses: classNames.count)
        }
        try self.init(trueLabels: trueLabels, scores: probabilities.scalars, classNames: classNames)
    }

    /// `scores`: N × K, row-major.
    private init(trueLabels: [Int], scores: [Float], classNames: [String]) throws {
        let classCount = classNames.count
        guard classCount >= 2 else { throw MetricsError.tooFewClasses(classCount) }
        guard !trueLabels.isEmpty else { throw MetricsError.noSamples }
        guard scores.count == trueLabels.count * classCount else {
            throw MetricsError.shape([scores.count / classCount, classCount], expectedClasses: classCount,
                                     expectedSamples: trueLabels.count)
        }
        if let (index, label) = trueLabels.enumerated().first(where: { !(0..<classCount).contains($0.element) }) {
            throw MetricsError.labelOutOfRange(sample: index, label: label, classCount: classCount)
        }
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError.nonFiniteScore(sample: index / classCount, classIndex: index % classCount)
        }

        let sampleCount = trueLabels.count
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (sample, label) in trueLabels.enumerated() {
            let row = scores[(sample * classCount)..<((sample + 1) * classCount)]
            // max(by:) would return the last of equal maxima; numpy's argmax takes the first.
            var predicted = 0
            for k in 1..<classCount where row[row.startIndex + k] > row[row.startIndex + predicted] {
                predicted = k
            }
            matrix[label][predicted] += 1
        }

        let correct = (0..<classCount).reduce(0) { $0 + matrix[$1][$1] }
        let perClass = (0..<classCount).map { k in
            ClassMetrics(index: k, name: classNames[k], matrix: matrix, sampleCount: sampleCount)
        }
        let present = perClass.filter { $0.support > 0 }

        self.classNames = classNames
        self.sampleCount = sampleCount
        self.confusionMatrix = matrix
        self.accuracy = Double(correct) / Double(sampleCount)
        self.balancedAccuracy = present.map(\.recall).reduce(0, +) / Double(present.count)
        self.perClass = perClass
        self.macroAverage = AveragedMetrics(perClass, weight: { _ in 1 })
        self.weightedAverage = AveragedMetrics(perClass, weight: { Double($0.support) })
        self.rocAUC = ROCAUC(trueLabels: trueLabels, scores: scores, classNames: classNames)

        var notes = [String]()
        let absent = perClass.filter { $0.support == 0 }.map(\.name)
        if !absent.isEmpty {
            notes.append("no samples of \(Self.list(absent)): recall and F1 are 0 by convention and "
                + "count in the macro averages; balanced accuracy averages the other classes")
        }
        let neverPredicted = perClass.filter { $0.predictedCount == 0 }.map(\.name)
        if !neverPredicted.isEmpty {
            notes.append("never predicted: \(Self.list(neverPredicted)); precision is 0 by convention")
        }
        notes += rocAUC.notes
        self.notes = notes
    }

    static func list(_ names: [String]) -> String {
        names.map { "'\($0)'" }.joined(separator: ", ")
    }
}

/// The one-class-against-the-rest counts and ratios of one class.
public struct ClassMetrics: Codable, Sendable, Equatable {
    public let index: Int
    public let name: String
    /// Samples whose true class this is.
    public let support: Int
    /// Samples predicted as this class.
    public let predictedCount: Int
    public let truePositives: Int
    public let falsePositives: Int
    public let falseNegatives: Int
    public let trueNegatives: Int
    /// TP / (TP + FP), 0 when the class is never predicted.
    public let precision: Double
    /// Sensitivity: TP / (TP + FN), 0 when the class has no samples.
    public let recall: Double
    /// TN / (TN + FP), 0 when every sample belongs to this class.
    public let specificity: Double
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 without a true positive.
    public let f1: Double

    init(index: Int, name: String, matrix: [[Int]], sampleCount: Int) {
        let tp = matrix[index][index]
        let support = matrix[index].reduce(0, +)
        let predicted = matrix.reduce(0) { $0 + $1[index] }
        let fp = predicted - tp
        let fn = support - tp
        let tn = sampleCount - tp - fp - fn
        self.index = index
        self.name = name
        self.support = support
        self.predictedCount = predicted
        self.truePositives = tp
        self.falsePositives = fp
        self.falseNegatives = fn
        self.trueNegatives = tn
        self.precision = ratio(tp, tp + fp)
        self.recall = ratio(tp, tp + fn)
        self.specificity = ratio(tn, tn + fp)
        self.f1 = ratio(2 * tp, 2 * tp + fp + fn)
    }
}

/// Class averages of the per-class ratios.
public struct AveragedMetrics: Codable, Sendable, Equatable {
    public let precision: Double
    public let recall: Double
    public let specificity: Double
    public let f1: Double

    init(_ classes: [ClassMetrics], weight: (ClassMetrics) -> Double) {
        let total = classes.map(weight).reduce(0, +)
        func mean(_ value: (ClassMetrics) -> Double) -> Double {
            total > 0 ? classes.map { weight($0) * value($0) }.reduce(0, +) / total : 0
        }
        precision = mean(\.precision)
        recall = mean(\.recall)
        specificity = mean(\.specificity)
        f1 = mean(\.f1)
    }
}

/// The zero-division convention of the whole file: 0/0 is 0.
private func ratio(_ numerator: Int, _ denominator: Int) -> Double {
    denominator == 0 ? 0 : Double(numerator) / Double(denominator)
}
