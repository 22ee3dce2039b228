import Imaging
import XCTest

/// The geometry of each resize mode: sizes, crop offsets, padding placement.
final class ResizeModeTests: XCTestCase {
    /// A picture whose every value differs, so a misplaced crop cannot match by accident.
    private func ramp(width: Int, height: Int) -> Image {
        Image(width: width, height: height, pixels: (0..<(width * height * 3)).map { Float($0 % 251) })
    }

    func testCenterCropScalesTheShorterSideThenCutsTheMiddle() {
        // 30×20 → 12: the height binds (20 → 12), the width follows: 30 × 12/20 = 18;
        // the crop starts at (18 − 12) / 2 = 3.
        let image = ramp(width: 30, height: 20)
        let fitted = image.fitted(width: 12, height: 12, mode: .centerCrop)
        let expected = image.resized(width: 18, height: 12).cropped(x: 3, y: 0, width: 12, height: 12)
        XCTAssertEqual(fitted, expected)
    }

    func testCenterCropOffsetsRoundDown() {
        // Portrait 20×33 → 10: width binds, height 33 × 10/20 = 16.5 truncated to 16, offset (16 − 10) / 2 = 3.
        let portrait = ramp(width: 20, height: 33)
        XCTAssertEqual(portrait.fitted(width: 10, height: 10, mode: .centerCrop),
                       portrait.resized(width: 10, height: 16).cropped(x: 0, y: 3, width: 10, height: 10))
        // 27×10 → 8: width 27 × 8/10 = 21.6 → 21, offset (21 − 8) / 2 = 6 (not 6.5 rounded up).
        let wide = ramp(width: 27, height: 10)
        XCTAssertEqual(wide.fitted(width: 8, height: 8, mode: .centerCrop),
                       wide.resized(width: 21, height: 8).cropped(x: 6, y: 0, width: 8, height: 8))
    }

    func testCenterCropToANonSquareTarget() {
        // 40×40 → 10×5: the width binds (scale 1/4 against 1/8), so 10×10, rows 2..<7.
        let image = ramp(width: 40, height: 40)
        XCTAssertEqual(image.fitted(width: 10, height: 5, mode: .centerCrop),
                       image.resized(width: 10, height: 10).cropped(x: 0, y: 2, width: 10, height: 5))
    }

    func testCenterCropMatchesForBicubicAndVerticalFirstOrder() {
        // A size where Pillow's rule filters vertically first; cropping must not change that.
        let image = ramp(width: 21, height: 60)
        XCTAssertEqual(image.fitted(width: 20, height: 20, mode: .centerCrop, filter: .bicubic),
                       image.resized(width: 20, height: 57, filter: .bicubic).cropped(x: 0, y: 18, width: 20, height: 20))
    }

    func testSquashIgnoresProportions() {
        let image = ramp(width: 30, height: 10)
        XCTAssertEqual(image.fitted(width: 8, height: 8, mode: .squash), image.resized(width: 8, height: 8))
    }

    func testLetterboxPadsToTheTargetShapeThenResizes() {
        // 6×3 on a 6×6 canvas, placed at y = (6 − 3) / 2 = 1; at the same size nothing is filtered.
        let image = ramp(width: 6, height: 3)
        let fill = RGBColor(red: 1, green: 2, blue: 3)
        let boxed = image.fitted(width: 6, height: 6, mode: .letterbox(fill: fill))
        XCTAssertEqual(boxed, image.padded(width: 6, height: 6, x: 0, y: 1, fill: fill))
        XCTAssertEqual([boxed[0, 0, 0], boxed[0, 0, 1], boxed[0, 0, 2]], [1, 2, 3])
        XCTAssertEqual([boxed[5, 5, 0], boxed[4, 5, 0]], [1, 1])
        XCTAssertEqual(boxed[1, 0, 0], image[0, 0, 0])
        // Portrait 3×8 → 4×4: canvas 8×8 with the image at x = (8 − 3) / 2 = 2.
        let portrait = ramp(width: 3, height: 8)
        XCTAssertEqual(portrait.fitted(width: 4, height: 4, mode: .letterbox(fill: .black)),
                       portrait.padded(width: 8, height: 8, x: 2, y: 0, fill: .black).resized(width: 4, height: 4))
    }

    func testParsingModeNames() {
        XCTAssertEqual(ResizeMode(parsing: "center-crop"), .centerCrop)
        XCTAssertEqual(ResizeMode(parsing: "Center_Crop"), .centerCrop)
        XCTAssertEqual(ResizeMode(parsing: "squash"), .squash)
        XCTAssertEqual(ResizeMode(parsing: "letterbox"), .letterbox(fill: .black))
        XCTAssertNil(ResizeMode(parsing: "zoom"))
        XCTAssertEqual(ResizeFilter(parsing: "BICUBIC"), .bicubic)
        XCTAssertNil(ResizeFilter(parsing: "lanczos"))
    }

    func testCropAndPadRoundTrip() {
        let image = ramp(width: 5, height: 4)
        let padded = image.padded(width: 9, height: 7, x: 3, y: 2, fill: .white)
        XCTAssertEqual(padded.cropped(x: 3, y: 2, width: 5, height: 4), image)
        XCTAssertEqual(padded[0, 0, 1], 255)
    }
}
