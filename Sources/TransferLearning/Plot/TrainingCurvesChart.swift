import Foundation
import Imaging

/// Loss and accuracy per epoch, training against validation, as two panels side by side:
/// the figure a reader checks for over-fitting (validation loss rising while training loss
/// falls) and for whether training had converged.
public struct TrainingCurvesChart: Sendable {
    public var history: [EpochRecord]
    public var title: String
    /// The position (1-based, in `history`) of the first fine-tuning epoch, when the history
    /// joins head training and fine-tuning; marked by a dashed line.
    public var fineTuningStart: Int?

    public init(history: [EpochRecord], title: String = "Training history", fineTuningStart: Int? = nil) {
        self.history = history
        self.title = title
        self.fineTuningStart = fineTuningStart
    }

    static let size = (width: 1400, height: 640)

    /// Epochs are placed by their position in `history`, so a history that restarts its epoch
    /// numbers for fine-tuning still reads left to right. Non-finite values (a diverged loss)
    /// are left out, breaking the line there.
    public func render() -> RGBAImage {
        var canvas = Canvas(width: Self.size.width, height: Self.size.height)
        let margin = 28
        canvas.drawText(title, x: Self.size.width / 2, y: margin, scale: 3, horizontal: .center, bold: true)

        let hasValidation = history.contains { ($0.validationLoss ?? .nan).isFinite || ($0.validationAccuracy ?? .nan).isFinite }
        drawLegend(on: &canvas, y: margin + 40, hasValidation: hasValidation)

        let panelWidth = (Self.size.width - 2 * margin) / 2
        let losses = Panel(title: "Loss", axisTitle: "cross-entropy", percent: false,
                           training: history.map(\.trainLoss), validation: history.map { $0.validationLoss ?? .nan })
        let accuracies = Panel(title: "Accuracy", axisTitle: "accuracy", percent: true,
                               training: history.map(\.trainAccuracy),
                               validation: history.map { $0.validationAccuracy ?? .nan })
        for (index, panel) in [losses, accuracies].enumerated() {
            let frame = (x: margin + index * panelWidth, y: margin + 84, width: panelWidth,
                         height: Self.size.height - margin - 84 - margin)
            panel.draw(on: &canvas, frame: frame, epochCount: history.count, fineTuningStart: fineTuningStart)
        }
        return canvas.image
    }

    public func write(to url: URL) throws {
        try PNGEncoder.write(render(), to: url)
    }

    private func drawLegend(on canvas: inout Canvas, y: Int, hasValidation: Bool) {
        var entries = [("training", PlotColor.trainSeries)]
        if hasValidation { entries.append(("validation", PlotColor.validationSeries)) }
        let sample = 40, gap = 10, spacing = 44
        let widths = entries.map { sample + gap + Canvas.textWidth($0.0) }
        var x = (Self.size.width - widths.reduce(0, +) - spacing * (entries.count - 1)) / 2
        let middle = Double(y) + 7
        for (entry, width) in zip(entries, widths) {
            canvas.drawLine(from: .init(x: Double(x), y: middle), to: .init(x: Double(x + sample), y: middle),
                            color: entry.1, thickness: 3)
            canvas.fillCircle(center: .init(x: Double(x + sample / 2), y: middle), radius: 5, color: entry.1)
            canvas.drawText(entry.0, x: x + sample + gap, y: y)
            x += width + spacing
        }
    }
}

/// One panel: a title, axes with ticks and grid, and the two series.
private struct Panel {
    let title: String
    let axisTitle: String
    let percent: Bool
    let training: [Double]
    let validation: [Double]

    func draw(on canvas: inout Canvas, frame: (x: Int, y: Int, width: Int, height: Int), epochCount: Int,
              fineTuningStart: Int?) {
        canvas.drawText(title, x: frame.x + frame.width / 2 + 40, y: frame.y, scale: 2, horizontal: .center, bold: true)
        let values = (training + validation).filter(\.isFinite)
        let yTicks = valueTicks(values)
        let yLabels = yTicks.values.map { yTicks.label($0, percent: percent) }
        let labelWidth = yLabels.map { Canvas.textWidth($0) }.max() ?? 0
        let plot = (left: frame.x + 24 + 16 + labelWidth + 14, top: frame.y + 36,
                    right: frame.x + frame.width - 24, bottom: frame.y + frame.height - 64)

        let padding = max(0.5, Double(max(epochCount - 1, 0)) * 0.03)
        let xRange = (low: 1 - padding, high: Double(max(epochCount, 1)) + padding)
        func px(_ epoch: Double) -> Double {
            Double(plot.left) + (epoch - xRange.low) / (xRange.high - xRange.low) * Double(plot.right - plot.left)
        }
        func py(_ value: Double) -> Double {
            Double(plot.bottom) - (value - yTicks.lower) / (yTicks.upper - yTicks.lower) * Double(plot.bottom - plot.top)
        }

        // Grid and y ticks.
        for (value, label) in zip(yTicks.values, yLabels) {
            let y = Int(py(value).rounded())
            canvas.fillRectangle(x: plot.left, y: y, width: plot.right - plot.left, height: 1, color: .grid)
            canvas.fillRectangle(x: plot.left - 6, y: y, width: 6, height: 2, color: .ink)
            canvas.drawText(label, x: plot.left - 12, y: y, horizontal: .right, vertical: .center)
        }
        for epoch in epochTicks(count: epochCount) {
            let x = Int(px(Double(epoch)).rounded())
            canvas.fillRectangle(x: x, y: plot.top, width: 1, height: plot.bottom - plot.top, color: .grid)
            canvas.fillRectangle(x: x, y: plot.bottom, width: 2, height: 6, color: .ink)
            canvas.drawText("\(epoch)", x: x + 1, y: plot.bottom + 14, horizontal: .center)
        }
        canvas.drawText("epoch", x: (plot.left + plot.right) / 2, y: plot.bottom + 42, color: .mutedText,
                        horizontal: .center)
        canvas.drawText(axisTitle, x: frame.x + 4, y: (plot.top + plot.bottom) / 2, color: .mutedText,
                        horizontal: .left, vertical: .center, rotated: true)

        if let start = fineTuningStart, start >= 1, start <= epochCount {
            // Half-way between the last head epoch and the first fine-tuning epoch.
            let x = Int(px(Double(start) - 0.5).rounded())
            for y in stride(from: plot.top, to: plot.bottom, by: 12) {
                canvas.fillRectangle(x: x, y: y, width: 2, height: min(6, plot.bottom - y), color: .mutedText)
            }
            canvas.drawText("fine-tuning", x: x + 8, y: plot.top + 8, scale: 2, color: .mutedText)
        }

        // Axis lines on top of the grid.
        canvas.fillRectangle(x: plot.left, y: plot.top, width: 2, height: plot.bottom - plot.top + 2, color: .ink)
        canvas.fillRectangle(x: plot.left, y: plot.bottom, width: plot.right - plot.left, height: 2, color: .ink)

        if values.isEmpty {
            canvas.drawText("no finite values", x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2,
                            color: .mutedText, horizontal: .center, vertical: .center)
            return
        }
        let markers = epochCount <= 40
        for (series, color) in [(training, PlotColor.trainSeries), (validation, PlotColor.validationSeries)] {
            var run = [Canvas.Point]()
            func flush() {
                canvas.drawPolyline(run, color: color, thickness: 3)
                run.removeAll()
            }
            for (index, value) in series.enumerated() {
                guard value.isFinite else { flush(); continue }
                run.append(Canvas.Point(x: px(Double(index + 1)), y: py(value)))
            }
            flush()
            if markers || series.filter(\.isFinite).count == 1 {
                for (index, value) in series.enumerated() where value.isFinite {
                    canvas.fillCircle(center: .init(x: px(Double(index + 1)), y: py(value)), radius: 5, color: color)
                }
            }
        }
    }

    /// Loss axes start at 0 (cross-entropy cannot go lower), so a fall reads in proportion;
    /// accuracy axes span at least 10 percentage points, within 0–100%, so that noise in
    /// the last decimal never fills the panel.
    private func valueTicks(_ values: [Double]) -> AxisTicks {
        guard var low = values.min(), var high = values.max() else {
            return percent ? AxisTicks(lower: 0, upper: 1, step: 0.2) : AxisTicks(lower: 0, upper: 1, step: 0.2)
        }
        if percent {
            let minimumSpan = 0.1
            if high - low < minimumSpan {
                let middle = (low + high) / 2
                low = middle - minimumSpan / 2
                high = middle + minimumSpan / 2
                if low < 0 { (low, high) = (0, minimumSpan) }
                if high > 1 { (low, high) = (1 - minimumSpan, 1) }
            }
            let ticks = AxisTicks(covering: low, high, targetCount: 5)
            return AxisTicks(lower: max(ticks.lower, 0), upper: min(ticks.upper, 1), step: ticks.step)
        }
        if low >= 0 { low = 0 }
        if high <= low { high = low + 1 }
        return AxisTicks(covering: low, high, targetCount: 5)
    }

    /// Whole epochs at a round step: every epoch up to 10, then 2, 5, 10...
    private func epochTicks(count: Int) -> [Int] {
        guard count > 1 else { return count == 1 ? [1] : [] }
        let step = max(1, Int(AxisTicks(covering: 1, Double(count), targetCount: 8).step.rounded()))
        var ticks = Array(stride(from: step, through: count, by: step))
        if ticks.first != 1 && (ticks.first ?? 2) - 1 >= step / 2 { ticks.insert(1, at: 0) }
        return ticks
    }
}
