import CNN
import Foundation
import Imaging
@testable import TransferLearning  // EpochRecord's initializer, ConfusionMatrixChart.layout
import XCTest

final class PlotTests: XCTestCase {
    private func epochs(_ count: Int, validation: Bool = true) -> [EpochRecord] {
        (1...count).map { epoch in
            let t = Double(epoch)
            return EpochRecord(epoch: epoch, trainLoss: 1.2 / (1 + 0.35 * t), trainAccuracy: 1 - 0.5 / (1 + 0.3 * t),
                               validationLoss: validation ? 1.1 / (1 + 0.25 * t) + 0.004 * t : nil,
                               validationAccuracy: validation ? 0.97 - 0.45 / (1 + 0.25 * t) : nil,
                               learningRate: 0.001, seconds: 2)
        }
    }

    private func decode(_ url: URL) throws -> RGBAImage {
        RGBAImage(try ImageDecoder().decode(contentsOf: url))
    }

    func testConfusionMatrixPlotOfThreeClasses() throws {
        let directory = try plotOutputDirectory()
        let url = directory.appendingPathComponent("confusion_matrix.png")
        let chart = ConfusionMatrixChart(matrix: [[41, 7, 2], [5, 52, 3], [0, 4, 16]],
                                         classNames: ["normal", "pneumonia", "COVID-19"])
        try chart.write(to: url)
        let image = try decode(url)
        let layout = chart.layout
        XCTAssertEqual(image.width, layout.width)
        XCTAssertEqual(image.height, layout.height)

        // Every cell is filled (nothing is the white background) and carries text in a colour
        // other than its fill.
        for row in 0..<3 {
            for column in 0..<3 {
                let x0 = layout.gridLeft + column * layout.cell, y0 = layout.gridTop + row * layout.cell
                let fill = image[x0 + 4, y0 + 4]
                XCTAssertFalse(fill.red == 255 && fill.green == 255 && fill.blue == 255, "cell \(row),\(column) is blank")
                var textPixels = 0
                for y in (y0 + 4)..<(y0 + layout.cell - 4) {
                    for x in (x0 + 4)..<(x0 + layout.cell - 4) where image[x, y] != fill {
                        textPixels += 1
                    }
                }
                XCTAssertGreaterThan(textPixels, 40, "cell \(row),\(column) has no count")
            }
        }
        // The diagonal of a good classifier is bright (viridis near yellow), an empty cell dark.
        let diagonal = image[layout.gridLeft + layout.cell + 4, layout.gridTop + layout.cell + 4]
        let empty = image[layout.gridLeft + 4, layout.gridTop + 2 * layout.cell + 4]
        XCTAssertGreaterThan(Int(diagonal.green), Int(empty.green))
        XCTAssertEqual(PlotColor(red: empty.red, green: empty.green, blue: empty.blue), ColorMap.viridis.color(at: 0))
    }

    func testConfusionMatrixWithManyLongNamesTurnsColumnLabels() throws {
        let names = ["adenocarcinoma of the lung, stage II", "squamous cell carcinoma", "benign", "normal tissue", "other"]
        let matrix = (0..<5).map { row in (0..<5).map { $0 == row ? 20 : row + $0 } }
        let chart = ConfusionMatrixChart(matrix: matrix + [], classNames: names)
        XCTAssertTrue(chart.layout.rotatedColumnLabels)
        XCTAssertEqual(chart.layout.rowLabels[0].last, "\u{2026}")
        let url = try plotOutputDirectory().appendingPathComponent("confusion_matrix_5_classes.png")
        try chart.write(to: url)
        XCTAssertEqual(try decode(url).width, chart.layout.width)
    }

    func testConfusionMatrixRowWithoutSamplesIsGrey() throws {
        let chart = ConfusionMatrixChart(matrix: [[3, 1], [0, 0]], classNames: ["a", "b"])
        let image = chart.render()
        let layout = chart.layout
        let cell = image[layout.gridLeft + 4, layout.gridTop + layout.cell + 4]
        XCTAssertEqual([cell.red, cell.green, cell.blue], [0xEE, 0xEE, 0xEE])
    }

    func testTrainingCurves() throws {
        let url = try plotOutputDirectory().appendingPathComponent("training_curves.png")
        try TrainingCurvesChart(history: epochs(25), title: "Chest X-ray: head training").write(to: url)
        let image = try decode(url)
        XCTAssertEqual(image.width, TrainingCurvesChart.size.width)
        XCTAssertEqual(image.height, TrainingCurvesChart.size.height)
        XCTAssertTrue(contains(image, PlotColor.trainSeries))
        XCTAssertTrue(contains(image, PlotColor.validationSeries))
    }

    func testTrainingCurvesOfOneEpochShowItsPoints() throws {
        let url = try plotOutputDirectory().appendingPathComponent("training_curves_1_epoch.png")
        try TrainingCurvesChart(history: epochs(1)).write(to: url)
        let image = try decode(url)
        XCTAssertEqual(image.width, TrainingCurvesChart.size.width)
        // Markers (legend aside) appear in the panels, which start 112 pixels down.
        XCTAssertTrue(contains(image, PlotColor.trainSeries, below: 120))
        XCTAssertTrue(contains(image, PlotColor.validationSeries, below: 120))
    }

    func testTrainingCurvesWithoutValidationAndWithNonFiniteValues() throws {
        var history = epochs(6, validation: false)
        history[3].trainLoss = .nan
        history[4].trainLoss = .infinity
        let url = try plotOutputDirectory().appendingPathComponent("training_curves_gap.png")
        try TrainingCurvesChart(history: history, fineTuningStart: 4).write(to: url)
        let image = try decode(url)
        XCTAssertTrue(contains(image, PlotColor.trainSeries, below: 120))
        XCTAssertFalse(contains(image, PlotColor.validationSeries))

        var diverged = epochs(2)
        for index in diverged.indices { diverged[index].trainLoss = .nan; diverged[index].validationLoss = .nan }
        XCTAssertEqual(TrainingCurvesChart(history: diverged).render().width, TrainingCurvesChart.size.width)
        XCTAssertEqual(TrainingCurvesChart(history: []).render().width, TrainingCurvesChart.size.width)
    }

    func testAxisTicksAreRound() {
        let ticks = AxisTicks(covering: 0.173, 0.912)
        XCTAssertEqual(ticks.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(ticks.values.map { ticks.label($0) }, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let percent = AxisTicks(covering: 0.62, 0.97)
        XCTAssertEqual(percent.values.map { percent.label($0, percent: true) }, ["60%", "70%", "80%", "90%", "100%"])
        let flat = AxisTicks(covering: 0.5, 0.5)
        XCTAssertLessThan(flat.lower, 0.5)
        XCTAssertGreaterThan(flat.upper, 0.5)
    }

    func testOverlayHasTheImageSizeAndBlends() throws {
        // A grey image and a 2×2 map hot in its top-left cell.
        let image = Image(width: 64, height: 48, pixels: [Float](repeating: 100, count: 64 * 48 * 3))
        let overlay = HeatMapOverlay.overlay([1, 0, 0, 0], width: 2, height: 2, on: image)
        XCTAssertEqual(overlay.width, 64)
        XCTAssertEqual(overlay.height, 48)
        // Top-left corner: map value 1 → jet dark red (128, 0, 0): 0.6 × 100 + 0.4 × colour.
        XCTAssertEqual(overlay[0, 0, 0], 60 + 0.4 * 128, accuracy: 1e-3)
        XCTAssertEqual(overlay[0, 0, 1], 60, accuracy: 1e-3)
        // Bottom-right corner: value 0 → jet dark blue (0, 0, 128).
        XCTAssertEqual(overlay[47, 63, 2], 60 + 0.4 * 128, accuracy: 1e-3)
        XCTAssertEqual(overlay[47, 63, 0], 60, accuracy: 1e-3)

        let tensor = Tensor(shape: [1, 2, 2, 1], scalars: [1, 0, 0, 0])
        XCTAssertEqual(HeatMapOverlay.overlay(tensor, on: image), overlay)
    }

    func testBilinearUpsamplingUsesPixelCentres() {
        // 2 → 4: output centres 0.5, 1.5, 2.5, 3.5 map to input −0.25, 0.25, 0.75, 1.25, clamped.
        let positions = HeatMapOverlay.samplePositions(output: 4, input: 2)
        XCTAssertEqual(positions.map(\.0), [0, 0, 0, 1])
        XCTAssertEqual(positions.map(\.2), [0, 0.25, 0.75, 0])
        XCTAssertEqual(HeatMapOverlay.normalize([2, 4, .nan, 3]), [0, 1, 0, 0.5])
        XCTAssertEqual(HeatMapOverlay.normalize([5, 5]), [0, 0])
    }

    func testOverlayExample() throws {
        // A synthetic "radiograph": a soft vertical gradient with a bright disc, and a 7×7
        // map peaking on the disc, as Grad-CAM on a 224×224 input would give.
        let size = 224
        let image = Image(width: size, height: size) { pixels in
            for y in 0..<size {
                for x in 0..<size {
                    let disc = hypot(Double(x - 150), Double(y - 80)) < 30 ? 90.0 : 0
                    let value = Float(40 + Double(y) / Double(size) * 120 + disc)
                    for c in 0..<3 { pixels[(y * size + x) * 3 + c] = value }
                }
            }
        }
        let map = (0..<49).map { index -> Float in
            let x = Double(index % 7), y = Double(index / 7)
            return Float(exp(-(pow(x - 4.2, 2) + pow(y - 2.1, 2)) / 2))
        }
        let overlay = HeatMapOverlay.overlay(map, width: 7, height: 7, on: image)
        let url = try plotOutputDirectory().appendingPathComponent("gradcam_overlay.png")
        try PNGEncoder.write(overlay, to: url)
        XCTAssertEqual(try ImageDecoder().decode(contentsOf: url).shape, [size, size, 3])
    }

    private func contains(_ image: RGBAImage, _ color: PlotColor, below top: Int = 0) -> Bool {
        for y in top..<image.height {
            for x in 0..<image.width {
                let pixel = image[x, y]
                if pixel.red == color.red && pixel.green == color.green && pixel.blue == color.blue { return true }
            }
        }
        return false
    }
}

extension PlotTests {
    func testConfusionMatrixOfManyClassesKeepsCountsInsideCells() throws {
        let count = 20
        let matrix = (0..<count).map { row in (0..<count).map { $0 == row ? 12_345 : ($0 + row) % 3 } }
        let chart = ConfusionMatrixChart(matrix: matrix, classNames: (0..<count).map { "class \($0)" })
        let layout = chart.layout
        XCTAssertGreaterThanOrEqual(layout.cell, 44)
        let url = try plotOutputDirectory().appendingPathComponent("confusion_matrix_20_classes.png")
        try chart.write(to: url)
        let image = try decode(url)
        // The white gaps between cells stay white: no count spills over them.
        for row in 0..<count {
            let y = layout.gridTop + row * layout.cell + layout.cell / 2
            for column in 1..<count {
                let gap = image[layout.gridLeft + column * layout.cell, y]
                XCTAssertEqual([gap.red, gap.green, gap.blue], [255, 255, 255], "row \(row), gap before column \(column)")
            }
        }
    }
}
