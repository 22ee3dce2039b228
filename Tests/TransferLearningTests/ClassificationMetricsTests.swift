import CNN
import Foundation
import TransferLearning
import XCTest

final class ClassificationMetricsTests: XCTestCase {
    /// Ten samples of three classes; "fox" is never predicted. Predictions (argmax):
    /// cat: cat, cat, dog, cat; dog: dog, dog, cat, dog; fox: dog, cat.
    private let classNames = ["cat", "dog", "fox"]
    private let labels = [0, 0, 0, 1, 1, 1, 1, 2, 2, 0]
    private let probabilities: [[Float]] = [
        [0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.3, 0.5, 0.2], [0.2, 0.6, 0.2], [0.1, 0.8, 0.1],
        [0.5, 0.4, 0.1], [0.3, 0.4, 0.3], [0.2, 0.45, 0.35], [0.4, 0.3, 0.3], [0.6, 0.1, 0.3],
    ]

    private func metrics() throws -> ClassificationMetrics {
        try ClassificationMetrics(trueLabels: labels, probabilities: probabilities, classNames: classNames)
    }

    func testConfusionMatrixRowsAreTrueClasses() throws {
        XCTAssertEqual(try metrics().confusionMatrix, [[3, 1, 0], [1, 3, 0], [1, 1, 0]])
    }

    func testHandComputedPerClassValues() throws {
        let m = try metrics()
        XCTAssertEqual(m.sampleCount, 10)
        XCTAssertEqual(m.accuracy, 0.6, accuracy: 1e-12)
        // Mean recall over the three classes: (3/4 + 3/4 + 0) / 3.
        XCTAssertEqual(m.balancedAccuracy, 0.5, accuracy: 1e-12)

        let cat = m.perClass[0]
        XCTAssertEqual([cat.truePositives, cat.falsePositives, cat.falseNegatives, cat.trueNegatives], [3, 2, 1, 4])
        XCTAssertEqual(cat.precision, 0.6, accuracy: 1e-12)
        XCTAssertEqual(cat.recall, 0.75, accuracy: 1e-12)
        XCTAssertEqual(cat.specificity, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(cat.f1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(cat.support, 4)

        // Never predicted: precision 0/0 is 0 by convention; no false positives, so specificity 1.
        let fox = m.perClass[2]
        XCTAssertEqual(fox.predictedCount, 0)
        XCTAssertEqual(fox.precision, 0)
        XCTAssertEqual(fox.recall, 0)
        XCTAssertEqual(fox.f1, 0)
        XCTAssertEqual(fox.specificity, 1)
        XCTAssertEqual(fox.support, 2)
        XCTAssert(m.notes.contains { $0.contains("never predicted: 'fox'") }, "\(m.notes)")
    }

    func testAveragesMatchScikitLearn() throws {
        // precision_recall_fscore_support(..., labels=[0, 1, 2], zero_division=0, average=...).
        let m = try metrics()
        XCTAssertEqual(m.macroAverage.precision, 0.4, accuracy: 1e-12)
        XCTAssertEqual(m.macroAverage.recall, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.macroAverage.f1, 0.4444444444444444, accuracy: 1e-12)
        XCTAssertEqual(m.weightedAverage.precision, 0.48, accuracy: 1e-12)
        XCTAssertEqual(m.weightedAverage.recall, 0.6, accuracy: 1e-12)
        XCTAssertEqual(m.weightedAverage.f1, 0.5333333333333333, accuracy: 1e-12)
    }

    func testBalancedAccuracySkipsClassesWithoutSamples() throws {
        // "c" has no samples: balanced accuracy averages the recalls of a (1/2) and b (1).
        let m = try ClassificationMetrics(trueLabels: [0, 0, 1], probabilities: [[0.9, 0.1, 0], [0.1, 0.2, 0.7], [0, 1, 0]],
                                          classNames: ["a", "b", "c"])
        XCTAssertEqual(m.balancedAccuracy, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.perClass[2].recall, 0)
        XCTAssertEqual(m.perClass[2].specificity, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssert(m.notes.contains { $0.contains("no samples of 'c'") }, "\(m.notes)")
    }

    func testTiedProbabilitiesPredictTheFirstClass() throws {
        let m = try ClassificationMetrics(trueLabels: [1], probabilities: [[0.5, 0.5]], classNames: ["a", "b"])
        XCTAssertEqual(m.confusionMatrix, [[0, 0], [1, 0]])
    }

    func testBinaryAUCWithTiesByHand() throws {
        // Positives score 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4. Of the 9 pairs, the positive
        // wins 1 + 3 + 1 and ties 2 (each worth ½): AUC = 6 / 9. scikit-learn: 0.6666666666666667.
        let scores: [Float] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4]
        let m = try ClassificationMetrics(trueLabels: [0, 0, 1, 1, 0, 1], probabilities: scores.map { [1 - $0, $0] },
                                          classNames: ["normal", "pneumonia"])
        XCTAssertEqual(m.rocAUC.method, .binary)
        XCTAssertEqual(try XCTUnwrap(m.rocAUC.value), 6.0 / 9.0, accuracy: 1e-12)
    }

    func testBinaryAUCExtremes() throws {
        let perfect = try ClassificationMetrics(trueLabels: [0, 1, 0, 1], probabilities: [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]],
                                                classNames: ["a", "b"])
        XCTAssertEqual(perfect.rocAUC.value, 1)
        let allTied = try ClassificationMetrics(trueLabels: [0, 1, 0, 1], probabilities: [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
                                                classNames: ["a", "b"])
        XCTAssertEqual(allTied.rocAUC.value, 0.5)
        let oneClass = try ClassificationMetrics(trueLabels: [1, 1], probabilities: [[0.5, 0.5], [0.2, 0.8]], classNames: ["a", "b"])
        XCTAssertNil(oneClass.rocAUC.value)
        XCTAssert(oneClass.notes.contains { $0.contains("ROC AUC is undefined") }, "\(oneClass.notes)")
    }

    func testMacroOneVsRestAUCMatchesScikitLearn() throws {
        // roc_auc_score(y, p, multi_class='ovr', average='macro') with p as float32: 0.8819444444444445;
        // per class roc_auc_score(y == k, p[:, k]): 0.875, 0.8333333333333334, 0.9375.
        let auc = try metrics().rocAUC
        XCTAssertEqual(auc.method, .oneVsRestMacro)
        XCTAssertEqual(try XCTUnwrap(auc.value), 0.8819444444444445, accuracy: 1e-12)
        XCTAssertEqual(auc.perClass.map { $0 ?? -1 }, [0.875, 0.8333333333333334, 0.9375])
        XCTAssertEqual(auc.skippedClasses, [])
    }

    func testOneVsRestSkipsClassesWithoutSamples() throws {
        // Class "d" has no samples; the other per-class AUCs, from scikit-learn, are 1, 0.5625, 0.875.
        let probabilities: [[Float]] = [
            [0.4, 0.3, 0.2, 0.1], [0.1, 0.6, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25],
            [0.2, 0.2, 0.5, 0.1], [0.3, 0.3, 0.1, 0.3], [0.1, 0.2, 0.3, 0.4],
        ]
        let m = try ClassificationMetrics(trueLabels: [0, 1, 2, 2, 0, 1], probabilities: probabilities,
                                          classNames: ["a", "b", "c", "d"])
        XCTAssertEqual(m.rocAUC.skippedClasses, ["d"])
        XCTAssertNil(m.rocAUC.perClass[3])
        XCTAssertEqual(try XCTUnwrap(m.rocAUC.value), (1 + 0.5625 + 0.875) / 3, accuracy: 1e-12)
        XCTAssert(m.notes.contains { $0.contains("ROC AUC leaves out 'd'") }, "\(m.notes)")
    }

    func testTensorInputGivesTheSameMetrics() throws {
        let tensor = Tensor(shape: [10, 3], scalars: probabilities.flatMap { $0 })
        let fromTensor = try ClassificationMetrics(trueLabels: labels, probabilities: tensor, classNames: classNames)
        XCTAssertEqual(fromTensor, try metrics())
    }

    func testBadInputsAreRefusedWithAReason() {
        func message(_ body: () throws -> ClassificationMetrics) -> String {
            do {
                _ = try body()
                return "no error"
            } catch {
                return error.localizedDescription
            }
        }
        XCTAssertEqual(message { try ClassificationMetrics(trueLabels: [], probabilities: [[Float]](), classNames: ["a", "b"]) },
                       "metrics need at least one sample")
        XCTAssertEqual(message { try ClassificationMetrics(trueLabels: [2], probabilities: [[0.5, 0.5]], classNames: ["a", "b"]) },
                       "sample 0 has label 2, outside 0..<2")
        XCTAssertEqual(message { try ClassificationMetrics(trueLabels: [0], probabilities: [[1, 0, 0]], classNames: ["a", "b"]) },
                       "probabilities of sample 0 have 3 values, expected 2")
        XCTAssertEqual(message { try ClassificationMetrics(trueLabels: [0, 1], probabilities: [[1, 0], [.nan, 0]], classNames: ["a", "b"]) },
                       "the probability of class 0 for sample 1 is not a finite number")
        XCTAssertEqual(message { try ClassificationMetrics(trueLabels: [0], probabilities: Tensor(zeros: [2, 2]), classNames: ["a", "b"]) },
                       "probabilities have shape [2, 2], expected (1, 2)")
    }

    func testJSONRoundTripsAndUsesNullForUndefinedAUC() throws {
        let m = try ClassificationMetrics(trueLabels: [1, 1], probabilities: [[0.5, 0.5], [0.2, 0.8]], classNames: ["a", "b"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(m)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssert(text.contains("\"perClass\":[null,null]"), text)
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: data), m)
    }

    func testTextRendering() throws {
        let text = try metrics().text
        let expected = """
            Samples            10
            Accuracy           0.6000  (6 of 10)
            Balanced accuracy  0.5000
            ROC AUC            0.8819  (one-vs-rest, macro average of 3 classes)

            class         precision  recall  specificity      f1  support
            cat              0.6000  0.7500       0.6667  0.6667        4
            dog              0.6000  0.7500       0.6667  0.6667        4
            fox              0.0000  0.0000       1.0000  0.0000        2
            macro avg        0.4000  0.5000       0.7778  0.4444       10
            weighted avg     0.4800  0.6000       0.7333  0.5333       10

            Confusion matrix (rows: true class, columns: predicted class)
            true \\ predicted  cat  dog  fox
            cat                 3    1    0
            dog                 1    3    0
            fox                 1    1    0

            Note: never predicted: 'fox'; precision is 0 by convention

            """
        XCTAssertEqual(text, expected, "\n" + text)
    }

    func testWideConfusionMatrixFallsBackToIndexHeadings() throws {
        let names = (0..<6).map { "a rather long class name \($0)" }
        let m = try ClassificationMetrics(trueLabels: Array(0..<6), probabilities: (0..<6).map { k in
            (0..<6).map { $0 == k ? Float(1) : 0 }
        }, classNames: names)
        let lines = m.confusionMatrixText.split(separator: "\n")
        XCTAssertEqual(lines[1], "true \\ predicted              0  1  2  3  4  5")
        XCTAssertEqual(lines[2], "0 a rather long class name 0  1  0  0  0  0  0")
    }
}
