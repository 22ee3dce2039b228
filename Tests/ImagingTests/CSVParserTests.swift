@testable import Imaging
import XCTest

final class CSVParserTests: XCTestCase {
    private func parse(_ text: String) throws -> [[String]] {
        try CSVParser.records(in: text).map(\.fields)
    }

    func testQuotingRules() throws {
        XCTAssertEqual(try parse("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n"), [["a", "b"], ["x,y", "say \"hi\""]])
        XCTAssertEqual(try parse("a,\"two\nlines\"\nc,d"), [["a", "two\nlines"], ["c", "d"]])
        XCTAssertEqual(try parse("a,,\n"), [["a", "", ""]])
        XCTAssertEqual(try parse("\"\"\n"), [[""]], "an explicitly empty quoted field is a record")
    }

    func testLineEndingsBlankLinesAndByteOrderMark() throws {
        XCTAssertEqual(try parse("\u{FEFF}h1,h2\r\n1,2\r\n\r\n3,4"), [["h1", "h2"], ["1", "2"], ["3", "4"]])
        let records = try CSVParser.records(in: "h\n\"a\nb\"\n\nc\n")
        XCTAssertEqual(records.map(\.line), [1, 2, 5], "records know the line they start on")
    }

    func testUnterminatedQuote() {
        XCTAssertThrowsError(try parse("a\n\"b,c\n")) { error in
            XCTAssertEqual(error as? CSVParser.Failure, .unterminatedQuote(line: 2))
        }
    }
}
