import CNN
@testable import Imaging
import XCTest

final class AugmentationTests: XCTestCase {
    /// 3 wide, 2 high; the red channel numbers the pixels row by row:  0 1 2 / 3 4 5.
    private let tiny = Image(width: 3, height: 2, pixels: (0..<6).flatMap { [Float($0), 100 + Float($0), 200] })

    private func reds(_ image: Image) -> [Float] {
        stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
    }

    func testFlips() {
        XCTAssertEqual(reds(tiny.flippedHorizontally()), [2, 1, 0, 5, 4, 3])
        XCTAssertEqual(reds(tiny.flippedVertically()), [3, 4, 5, 0, 1, 2])
        XCTAssertEqual(tiny.flippedHorizontally().flippedHorizontally(), tiny)
    }

    func testQuarterTurnsFollowNumpyRot90() {
        // np.rot90([[0,1,2],[3,4,5]]) == [[2,5],[1,4],[0,3]]  (counter-clockwise)
        let once = tiny.rotated(quarterTurns: 1)
        XCTAssertEqual([once.width, once.height], [2, 3])
        XCTAssertEqual(reds(once), [2, 5, 1, 4, 0, 3])
        // k = 2: [[5,4,3],[2,1,0]];  k = 3 (clockwise): [[3,0],[4,1],[5,2]]
        XCTAssertEqual(reds(tiny.rotated(quarterTurns: 2)), [5, 4, 3, 2, 1, 0])
        XCTAssertEqual(reds(tiny.rotated(quarterTurns: 3)), [3, 0, 4, 1, 5, 2])
        XCTAssertEqual(tiny.rotated(quarterTurns: -1), tiny.rotated(quarterTurns: 3))
        XCTAssertEqual(tiny.rotated(quarterTurns: 4), tiny)
        // The other channels move with the red one.
        XCTAssertEqual(once[0, 0, 1], 102)
    }

    func testSmallRotationAtRightAnglesMatchesQuarterTurns() {
        let square = Image(width: 4, height: 4, pixels: (0..<48).map { Float($0) })
        let turned = square.rotated(degrees: 90, fill: .reflect)
        assertValuesMatch(turned.pixels, square.rotated(quarterTurns: 1).pixels, width: 4, channels: 3,
                          tolerance: 1e-3, "90° by interpolation")
        XCTAssertEqual(square.rotated(degrees: 0, fill: .reflect), square)
    }

    func testRotationFillsTheCorners() {
        let white = Image(width: 8, height: 8, pixels: [Float](repeating: 255, count: 192))
        let constant = white.rotated(degrees: 45, fill: .constant(.black))
        XCTAssertEqual(constant[0, 0, 0], 0, "a corner uncovered by the turn shows the fill")
        XCTAssertEqual(constant[4, 4, 0], 255, "the centre stays")
        let reflected = white.rotated(degrees: 45, fill: .reflect)
        XCTAssertEqual(reflected[0, 0, 0], 255, "mirrored edges of a uniform image are uniform")
    }

    func testReflectionFoldsIndicesAboutTheEdges() {
        XCTAssertEqual((-3...6).map { reflected($0, 3) }, [2, 1, 0, 0, 1, 2, 2, 1, 0, 0])
        XCTAssertEqual(reflected(5, 1), 0)
    }

    func testColorAdjustments() {
        let pixel = Image(width: 2, height: 1, pixels: [100, 50, 200, 0, 0, 0])
        XCTAssertEqual(pixel.adjustingBrightness(by: 1.5).pixels, [150, 75, 255, 0, 0, 0], "scaled and clipped")
        let gray = pixel.adjustingSaturation(by: 0)
        let luma: Float = 0.299 * 100 + 0.587 * 50 + 0.114 * 200
        XCTAssertEqual(gray.pixels[0], luma, accuracy: 1e-4)
        XCTAssertEqual(gray.pixels[2], luma, accuracy: 1e-4)
        let flat = pixel.adjustingContrast(by: 0)
        XCTAssertEqual(flat.pixels[0], luma / 2, accuracy: 1e-4, "the image's mean grey")
        XCTAssertEqual(flat.pixels[5], luma / 2, accuracy: 1e-4)
        XCTAssertEqual(pixel.adjustingContrast(by: 1), pixel)
    }

    func testParsingNames() throws {
        XCTAssertEqual(try Augmentation(parsing: "flip,rot90,crop"), [.horizontalFlip, .rotate90, .randomResizedCrop])
        XCTAssertEqual(try Augmentation(parsing: " HFlip , vflip,,Color "),
                       [.horizontalFlip, .verticalFlip, .brightness, .contrast, .saturation])
        XCTAssertEqual(try Augmentation(parsing: "none"), [])
        XCTAssertEqual(try Augmentation(parsing: ""), [])
        XCTAssertThrowsError(try Augmentation(parsing: "flip,mixup")) { error in
            XCTAssertEqual(error as? AugmentationError, .unknownName("mixup"))
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("'mixup'") && message.contains("rot90"), message)
        }
    }

    func testDescriptionParsesBack() throws {
        for text in ["flip,vflip", "crop,rotate,brightness", "rot90,color", "none"] {
            let parsed = try Augmentation(parsing: text)
            XCTAssertEqual(parsed.description, text)
            XCTAssertEqual(try Augmentation(parsing: parsed.description), parsed)
        }
    }

    func testSameSeedEpochAndIndexGiveTheSameImage() {
        let source = Image(width: 20, height: 14, pixels: (0..<840).map { Float(($0 * 37) % 256) })
        let spec = InputSpec(size: 8)
        let augmenter = Augmenter([.horizontalFlip, .verticalFlip, .rotate90, .randomResizedCrop, .rotation,
                                   .colorJitter], seed: 42)
        func make(_ augmenter: Augmenter, epoch: Int, index: Int) -> Image {
            var generator = augmenter.generator(epoch: epoch, index: index)
            return augmenter.augmentedInput(from: source, spec: spec, using: &generator)
        }
        // Reverse order, as another thread schedule might produce them: still the same.
        let forward = (0..<6).map { make(augmenter, epoch: 3, index: $0) }
        let backward = (0..<6).reversed().map { make(augmenter, epoch: 3, index: $0) }.reversed()
        XCTAssertEqual(forward, Array(backward))
        XCTAssertTrue(forward.allSatisfy { $0.width == 8 && $0.height == 8 })
        XCTAssertEqual(Set(forward.map(\.pixels)).count, 6, "different indices should differ")
        XCTAssertNotEqual(make(augmenter, epoch: 4, index: 0), forward[0], "another epoch, another draw")
        var reseeded = augmenter
        reseeded.seed = 43
        XCTAssertNotEqual(make(reseeded, epoch: 3, index: 0), forward[0], "another seed, another draw")
    }

    func testFlipsHappenAboutHalfTheTime() {
        let augmenter = Augmenter(.horizontalFlip, seed: 7)
        let flips = (0..<400).filter { index in
            var generator = augmenter.generator(epoch: 0, index: index)
            return augmenter.augmented(tiny, using: &generator) != tiny
        }.count
        XCTAssertGreaterThan(flips, 150)
        XCTAssertLessThan(flips, 250)
    }

    func testQuarterTurnsKeepNonSquareShapes() {
        let augmenter = Augmenter(.rotate90, seed: 1)
        for index in 0..<20 {
            var generator = augmenter.generator(epoch: 0, index: index)
            let result = augmenter.augmented(tiny, using: &generator)
            XCTAssertEqual([result.width, result.height], [3, 2])
        }
    }

    func testRandomResizedCropStaysInsideWithinTheScaleRange() {
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            let crop = randomResizedCropRect(width: 64, height: 48, scale: 0.08...1, ratio: (3.0 / 4)...(4.0 / 3),
                                             using: &generator)
            XCTAssertTrue(crop.x >= 0 && crop.y >= 0 && crop.x + crop.width <= 64 && crop.y + crop.height <= 48)
            let fraction = Double(crop.width * crop.height) / Double(64 * 48)
            XCTAssertTrue(fraction > 0.05 && fraction <= 1.0, "area fraction \(fraction)")
        }
        // No allowed shape fits a 100×1 strip: the fallback is the centred 4:3-at-most crop.
        let fallback = randomResizedCropRect(width: 100, height: 1, scale: 0.9...1, ratio: (3.0 / 4)...(4.0 / 3),
                                             using: &generator)
        XCTAssertEqual(fallback.width, 1)
        XCTAssertEqual(fallback.height, 1)
        XCTAssertEqual(fallback.x, 49)
    }
}
