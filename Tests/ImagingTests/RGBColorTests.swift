import Imaging
import XCTest

final class RGBColorTests: XCTestCase {
    func testParsesTheSpellingsUsersType() {
        XCTAssertEqual(RGBColor(parsing: "white"), .white)
        XCTAssertEqual(RGBColor(parsing: " Black "), .black)
        XCTAssertEqual(RGBColor(parsing: "#0a80FF"), RGBColor(red: 10, green: 128, blue: 255))
        XCTAssertEqual(RGBColor(parsing: "10, 20,30"), RGBColor(red: 10, green: 20, blue: 30))
        for bad in ["", "#12345", "#gggggg", "1,2", "1,2,3,4", "0,0,256", "-1,0,0", "red"] {
            XCTAssertNil(RGBColor(parsing: bad), bad)
        }
        XCTAssertEqual(RGBColor(red: 1, green: 2, blue: 3).description, "1,2,3")
    }
}
