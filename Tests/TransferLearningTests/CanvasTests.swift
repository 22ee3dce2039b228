import Imaging
import TransferLearning
import XCTest

final class CanvasTests: XCTestCase {
    func testStartsWithTheBackground() {
        let canvas = Canvas(width: 4, height: 3, background: PlotColor(hex: 0x102030))
        XCTAssertEqual(canvas.color(x: 3, y: 2), PlotColor(red: 0x10, green: 0x20, blue: 0x30))
        XCTAssertEqual(canvas.image.width, 4)
        XCTAssertEqual(canvas.image.height, 3)
    }

    func testFilledRectangleCoversExactlyItsPixelsAndClips() {
        var canvas = Canvas(width: 10, height: 10)
        canvas.fillRectangle(x: 2, y: 3, width: 4, height: 2, color: .black)
        canvas.fillRectangle(x: 8, y: 8, width: 10, height: 10, color: PlotColor(hex: 0xFF0000))
        XCTAssertEqual(canvas.color(x: 2, y: 3), .black)
        XCTAssertEqual(canvas.color(x: 5, y: 4), .black)
        XCTAssertEqual(canvas.color(x: 6, y: 4), .white)
        XCTAssertEqual(canvas.color(x: 5, y: 5), .white)
        XCTAssertEqual(canvas.color(x: 1, y: 3), .white)
        XCTAssertEqual(canvas.color(x: 9, y: 9), PlotColor(hex: 0xFF0000))
    }

    func testTranslucentFillBlends() {
        var canvas = Canvas(width: 1, height: 1)
        canvas.fillRectangle(x: 0, y: 0, width: 1, height: 1, color: PlotColor(red: 0, green: 0, blue: 0, alpha: 128))
        // White under half-opaque black: 255 × (1 − 128/255) = 127.
        XCTAssertEqual(canvas.color(x: 0, y: 0), PlotColor(red: 127, green: 127, blue: 127))
    }

    func testHorizontalLineCoversItsRowsAndSoftensItsEdges() {
        var canvas = Canvas(width: 20, height: 11)
        canvas.drawLine(from: .init(x: 2, y: 5.5), to: .init(x: 18, y: 5.5), color: .black, thickness: 3)
        // Rows 4, 5, 6 lie inside the 3-pixel stroke centred on y = 5.5.
        for y in 4...6 { XCTAssertEqual(canvas.color(x: 10, y: y), .black, "row \(y)") }
        XCTAssertEqual(canvas.color(x: 10, y: 2), .white)
        XCTAssertEqual(canvas.color(x: 10, y: 8), .white)
        // Pixel centres 2 from the axis, 0.5 outside the stroke: not covered at all; the cap
        // at x = 18 rounds off, so (19, 5) is only partly covered.
        XCTAssertEqual(canvas.color(x: 10, y: 3), .white)
        let cap = canvas.color(x: 19, y: 5)
        XCTAssert(cap.red > 0 && cap.red < 255, "\(cap)")
    }

    func testDiagonalLineIsAntiAliased() {
        var canvas = Canvas(width: 20, height: 20)
        canvas.drawLine(from: .init(x: 2, y: 2), to: .init(x: 18, y: 12), color: .black, thickness: 2)
        let greys = (0..<20).flatMap { y in (0..<20).map { canvas.color(x: $0, y: y).red } }
        XCTAssert(greys.contains { $0 > 0 && $0 < 255 }, "no partly covered pixel")
        XCTAssertEqual(canvas.color(x: 10, y: 7).red, 0)  // on the line: (10.5 − 2) × 10/16 + 2 ≈ 7.3
    }

    func testTextDrawsTheGlyphBitmap() {
        // "I" is .###. on its top row and ..#.. below: at scale 1 from (0, 0).
        var canvas = Canvas(width: 8, height: 9)
        canvas.drawText("I", x: 0, y: 0, scale: 1, color: .black)
        XCTAssertEqual((0..<5).map { canvas.color(x: $0, y: 0) == .black }, [false, true, true, true, false])
        XCTAssertEqual((0..<5).map { canvas.color(x: $0, y: 3) == .black }, [false, false, true, false, false])
        XCTAssertEqual(canvas.color(x: 2, y: 7), .white)
    }

    func testScaledTextAndMetrics() {
        XCTAssertEqual(Canvas.textWidth("AB", scale: 2), 22)  // (2 × 6 − 1) × 2
        XCTAssertEqual(Canvas.textHeight(scale: 3), 21)
        var canvas = Canvas(width: 40, height: 20)
        canvas.drawText("-", x: 20, y: 10, scale: 2, color: .black, horizontal: .center, vertical: .center)
        // "-" is the full middle row (row 3 of 7): 10 pixels wide at ×2, from x 15, rows 10 − 7 + 6 = 9...10.
        XCTAssertEqual(canvas.color(x: 15, y: 9), .black)
        XCTAssertEqual(canvas.color(x: 24, y: 10), .black)
        XCTAssertEqual(canvas.color(x: 25, y: 10), .white)
        XCTAssertEqual(canvas.color(x: 14, y: 10), .white)
    }

    func testRotatedTextReadsUpwards() {
        // "L" at scale 1 turned counter-clockwise: its vertical stroke becomes the bottom row
        // of the box, its foot the right-hand column, pointing up.
        var canvas = Canvas(width: 7, height: 5)
        canvas.drawText("L", x: 0, y: 0, scale: 1, color: .black, rotated: true)
        XCTAssertEqual((0..<7).map { canvas.color(x: $0, y: 4) == .black }, [Bool](repeating: true, count: 7))
        XCTAssertEqual((0..<5).map { canvas.color(x: 6, y: $0) == .black }, [Bool](repeating: true, count: 5))
        XCTAssertEqual(canvas.color(x: 0, y: 0), .white)
    }

    func testUnknownCharactersDrawAsQuestionMarksAndAccentsFold() {
        var withAccent = Canvas(width: 12, height: 9), plain = Canvas(width: 12, height: 9)
        withAccent.drawText("é", x: 0, y: 0, scale: 1)
        plain.drawText("e", x: 0, y: 0, scale: 1)
        XCTAssertEqual(withAccent.image, plain.image)
        var unknown = Canvas(width: 12, height: 9), question = Canvas(width: 12, height: 9)
        unknown.drawText("€", x: 0, y: 0, scale: 1)
        question.drawText("?", x: 0, y: 0, scale: 1)
        XCTAssertEqual(unknown.image, question.image)
    }

    func testTruncationEndsWithAnEllipsis() {
        XCTAssertEqual(Canvas.truncated("pneumonia", toWidth: 1000), "pneumonia")
        let short = Canvas.truncated("pneumonia", toWidth: Canvas.textWidth("pneu…"))
        XCTAssertEqual(short, "pneu\u{2026}")
    }

    func testViridisEndsAndJetMiddle() {
        XCTAssertEqual(ColorMap.viridis.color(at: 0), PlotColor(hex: 0x440154))
        XCTAssertEqual(ColorMap.viridis.color(at: 1), PlotColor(hex: 0xFDE725))
        XCTAssertEqual(ColorMap.viridis.color(at: 0.5), PlotColor(hex: 0x21908D))
        XCTAssertEqual(ColorMap.jet.color(at: 0), PlotColor(red: 0, green: 0, blue: 128))
        XCTAssertEqual(ColorMap.jet.color(at: 0.5), PlotColor(red: 128, green: 255, blue: 128))
        XCTAssertEqual(ColorMap.jet.color(at: 1), PlotColor(red: 128, green: 0, blue: 0))
    }
}
