import Foundation
import Imaging

/// The confusion matrix as a heat map: rows are true classes, columns predicted classes;
/// each cell is coloured by its share of the row (so a rare class's errors show as clearly as
/// a common one's) and shows the count and that share as text.
public struct ConfusionMatrixChart: Sendable {
    /// `matrix[t][p]`: samples of true class t predicted as p.
    public var matrix: [[Int]]
    public var classNames: [String]
    public var title: String

    public init(matrix: [[Int]], classNames: [String], title: String = "Confusion matrix") {
        precondition(matrix.count == classNames.count && matrix.allSatisfy { $0.count == classNames.count },
                     "a confusion matrix of \(classNames.count) classes must be \(classNames.count)×\(classNames.count)")
        self.matrix = matrix
        self.classNames = classNames
        self.title = title
    }

    public init(_ metrics: ClassificationMetrics, title: String = "Confusion matrix") {
        self.init(matrix: metrics.confusionMatrix, classNames: metrics.classNames, title: title)
    }

    /// Longest class label drawn, in pixels at ×2 (about 22 characters); longer names end in "…".
    static let maximumLabelWidth = 262
    static let margin = 28

    /// The grid's geometry, shared by `render` and the tests that look inside cells.
    struct Layout {
        let cell: Int
        let gridLeft: Int
        let gridTop: Int
        let width: Int
        let height: Int
        let rotatedColumnLabels: Bool
        let rowLabels: [String]
        let columnLabels: [String]
    }

    var layout: Layout {
        let count = classNames.count
        let cell = count <= 3 ? 150 : max(44, min(150, 720 / count))
        let rowLabels = classNames.map { Canvas.truncated($0, toWidth: Self.maximumLabelWidth) }
        let rowLabelWidth = rowLabels.map { Canvas.textWidth($0) }.max() ?? 0
        // Horizontal column labels when every name fits its column; otherwise upright ones.
        let fitsHorizontally = classNames.allSatisfy { Canvas.textWidth($0) <= cell - 8 }
        let columnLabels = fitsHorizontally ? classNames.map { BitmapFont.printable($0) } : rowLabels
        let columnLabelHeight = fitsHorizontally ? Canvas.textHeight()
            : (columnLabels.map { Canvas.textWidth($0) }.max() ?? 0)

        let gridLeft = Self.margin + Canvas.textHeight() + 18 + rowLabelWidth + 14
        let gridTop = Self.margin + Canvas.textHeight(scale: 3) + 14 + Canvas.textHeight() + 30
        let gridSize = count * cell
        let colourBar = 40 + 26 + 10 + Canvas.textWidth("100%")
        let contentWidth = gridLeft + gridSize + colourBar + Self.margin
        let titleWidth = Canvas.textWidth(title, scale: 3) + 2 * Self.margin
        let subtitleWidth = Canvas.textWidth(Self.subtitle) + 2 * Self.margin
        let width = max(contentWidth, titleWidth, subtitleWidth)
        // Centre the content when the titles are wider than it.
        let shift = (width - contentWidth) / 2
        let height = gridTop + gridSize + 14 + columnLabelHeight + 22 + Canvas.textHeight() + Self.margin
        return Layout(cell: cell, gridLeft: gridLeft + shift, gridTop: gridTop, width: width, height: height,
                      rotatedColumnLabels: !fitsHorizontally, rowLabels: rowLabels, columnLabels: columnLabels)
    }

    static let subtitle = "cells: count and share of the true class (row)"

    public func render() -> RGBAImage {
        let layout = self.layout
        let count = classNames.count, cell = layout.cell
        let gridSize = count * cell
        var canvas = Canvas(width: layout.width, height: layout.height)
        canvas.drawText(title, x: layout.width / 2, y: Self.margin, scale: 3, horizontal: .center, bold: true)
        canvas.drawText(Self.subtitle, x: layout.width / 2, y: Self.margin + Canvas.textHeight(scale: 3) + 14,
                        color: .mutedText, horizontal: .center)

        // The largest scale at which the widest count still fits its cell.
        let widestCount = "\(matrix.flatMap { $0 }.max() ?? 0)"
        let countScale = [3, 2, 1].first { scale in
            (scale < 3 || cell >= 120) && Canvas.textWidth(widestCount, scale: scale) <= cell - 8
        } ?? 1
        let shareScale = cell >= 120 ? 2 : 1
        let showsShare = cell >= 60
        for (row, counts) in matrix.enumerated() {
            let total = counts.reduce(0, +)
            for (column, value) in counts.enumerated() {
                let x = layout.gridLeft + column * cell, y = layout.gridTop + row * cell
                let share = total > 0 ? Double(value) / Double(total) : 0
                let fill = total > 0 ? ColorMap.viridis.color(at: share) : PlotColor(hex: 0xEEEEEE)
                // A white gap between cells keeps neighbouring cells of similar colour apart.
                canvas.fillRectangle(x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, color: fill)
                let textColor = total == 0 ? PlotColor.mutedText : (fill.luminance < 0.5 ? PlotColor.white : PlotColor.ink)
                let countHeight = Canvas.textHeight(scale: countScale)
                let shareHeight = showsShare && total > 0 ? Canvas.textHeight(scale: shareScale) : 0
                let gap = shareHeight > 0 ? countHeight / 2 : 0
                let top = y + (cell - countHeight - gap - shareHeight) / 2
                canvas.drawText("\(value)", x: x + cell / 2, y: top, scale: countScale, color: textColor,
                                horizontal: .center, bold: countScale >= 3)
                if shareHeight > 0 {
                    canvas.drawText(Self.percent(share, count: value), x: x + cell / 2, y: top + countHeight + gap,
                                    scale: shareScale, color: textColor, horizontal: .center)
                }
            }
        }

        // Class names beside the rows and under the columns, then the axis titles.
        for (row, label) in layout.rowLabels.enumerated() {
            canvas.drawText(label, x: layout.gridLeft - 14, y: layout.gridTop + row * cell + cell / 2,
                            horizontal: .right, vertical: .center)
        }
        let labelTop = layout.gridTop + gridSize + 14
        for (column, label) in layout.columnLabels.enumerated() {
            let x = layout.gridLeft + column * cell + cell / 2
            if layout.rotatedColumnLabels {
                canvas.drawText(label, x: x, y: labelTop, horizontal: .center, vertical: .top, rotated: true)
            } else {
                canvas.drawText(label, x: x, y: labelTop, horizontal: .center)
            }
        }
        let columnLabelHeight = layout.rotatedColumnLabels
            ? (layout.columnLabels.map { Canvas.textWidth($0) }.max() ?? 0) : Canvas.textHeight()
        canvas.drawText("predicted class", x: layout.gridLeft + gridSize / 2, y: labelTop + columnLabelHeight + 22,
                        color: .mutedText, horizontal: .center, bold: true)
        let rowLabelWidth = layout.rowLabels.map { Canvas.textWidth($0) }.max() ?? 0
        canvas.drawText("true class", x: layout.gridLeft - 14 - rowLabelWidth - 18, y: layout.gridTop + gridSize / 2,
                        color: .mutedText, horizontal: .right, vertical: .center, rotated: true, bold: true)

        drawColourBar(on: &canvas, x: layout.gridLeft + gridSize + 40, top: layout.gridTop, height: gridSize)
        return canvas.image
    }

    public func write(to url: URL) throws {
        try PNGEncoder.write(render(), to: url)
    }

    /// The key: viridis from 0% (bottom) to 100% (top), ticks every 25%.
    private func drawColourBar(on canvas: inout Canvas, x: Int, top: Int, height: Int) {
        let width = 26
        for offset in 0..<height {
            let value = 1 - Double(offset) / Double(max(height - 1, 1))
            canvas.fillRectangle(x: x, y: top + offset, width: width, height: 1, color: ColorMap.viridis.color(at: value))
        }
        canvas.strokeRectangle(x: x - 1, y: top - 1, width: width + 2, height: height + 2, color: .mutedText)
        for quarter in 0...4 {
            let y = top + height - 1 - Int((Double(quarter) / 4 * Double(height - 1)).rounded())
            canvas.fillRectangle(x: x + width + 1, y: y, width: 5, height: 1, color: .ink)
            canvas.drawText("\(quarter * 25)%", x: x + width + 10, y: y, horizontal: .left, vertical: .center)
        }
    }

    /// Whole percent, but never "0%" for a non-empty cell, which would read as "none".
    static func percent(_ share: Double, count: Int) -> String {
        let value = Int((share * 100).rounded())
        return value == 0 && count > 0 ? "<1%" : "\(value)%"
    }
}
