import XCTest
@testable import CNN

final class PaddingTests: XCTestCase {
    func testSamePaddingPutsOddElementAtTheEnd() {
        // in 224, k 3, s 2: out 112, total max((112-1)*2+3-224, 0) = 1 → 0 before, 1 after.
        XCTAssertEqual(AxisGeometry(input: 224, kernel: 3, stride: 2, padding: .same),
                       AxisGeometry(output: 112, before: 0, after: 1))
        XCTAssertEqual(AxisGeometry(input: 5, kernel: 3, stride: 1, padding: .same),
                       AxisGeometry(output: 5, before: 1, after: 1))
        XCTAssertEqual(AxisGeometry(input: 7, kernel: 5, stride: 2, padding: .same),
                       AxisGeometry(output: 4, before: 2, after: 2))
        XCTAssertEqual(AxisGeometry(input: 6, kernel: 5, stride: 2, padding: .same),
                       AxisGeometry(output: 3, before: 1, after: 2))
        XCTAssertEqual(AxisGeometry(input: 5, kernel: 3, stride: 1, dilation: 2, padding: .same),
                       AxisGeometry(output: 5, before: 2, after: 2))
    }

    func testValidPadding() {
        XCTAssertEqual(AxisGeometry(input: 7, kernel: 3, stride: 2, padding: .valid).output, 3)
        XCTAssertEqual(AxisGeometry(input: 2, kernel: 3, stride: 1, padding: .valid).output, 0)
    }
}
