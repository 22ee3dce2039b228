import CNN
import Imaging
import XCTest

final class ImagePipelineTests: XCTestCase {
    func testDecodeResizePreprocess() throws {
        let spec = InputSpec(size: 6, resizeMode: .centerCrop, preprocessing: .tf)
        let pipeline = ImagePipeline(spec: spec)
        let url = Fixtures.url("png_rgb8.png")
        let sample = try pipeline.sample(contentsOf: url)
        XCTAssertEqual(sample.shape, [6, 6, 3])
        let expected = try ImageDecoder().decode(contentsOf: url).fitted(width: 6, height: 6, mode: .centerCrop)
        let preprocessed = expected.pixels.map { $0 / 127.5 - 1 }
        assertValuesMatch(sample.scalars, preprocessed, width: 6, channels: 3, tolerance: 1e-6, "tf preprocessing")
    }

    func testKerasDatasetSpecSquashesWithoutAntialiasing() throws {
        let spec = InputSpec.kerasDataset(width: 5, height: 4, preprocessing: .none)
        XCTAssertEqual(spec.resizeMode, .squash)
        XCTAssertFalse(spec.antialias)
        let url = Fixtures.url("png_rgb8.png")
        let image = try ImagePipeline(spec: spec).inputImage(contentsOf: url)
        XCTAssertEqual(image, try ImageDecoder().decode(contentsOf: url).resized(width: 5, height: 4, antialias: false))
        XCTAssertEqual(spec.sampleShape, [4, 5, 3])
        XCTAssertTrue(spec.summary.hasPrefix("5×4, squash, bilinear (no antialiasing)"), spec.summary)
    }

    func testBatchStacksSamplesInOrder() throws {
        let pipeline = ImagePipeline(spec: InputSpec(size: 4))
        let urls = [Fixtures.url("png_rgb8.png"), Fixtures.url("jpeg_gray.jpg")]
        let batch = try pipeline.batch(contentsOf: urls)
        XCTAssertEqual(batch.shape, [2, 4, 4, 3])
        XCTAssertEqual(batch.batch(1..<2).scalars, try pipeline.sample(contentsOf: urls[1]).scalars)
        XCTAssertThrowsError(try pipeline.batch(contentsOf: [Fixtures.url("bad_truncated.png")]))
    }

    func testAugmentationDependsOnEpochAndIndexOnly() throws {
        let augmenter = Augmenter([.randomResizedCrop, .horizontalFlip, .colorJitter], seed: 11)
        let pipeline = ImagePipeline(spec: InputSpec(size: 5), augmenter: augmenter)
        let url = Fixtures.url("png_rgb8.png")
        let a = try pipeline.inputImage(contentsOf: url, epoch: 1, index: 4)
        XCTAssertEqual(a, try pipeline.inputImage(contentsOf: url, epoch: 1, index: 4))
        XCTAssertNotEqual(a, try pipeline.inputImage(contentsOf: url, epoch: 1, index: 5))
        XCTAssertTrue(a.pixels.allSatisfy { $0 >= 0 && $0 <= 255 })
    }
}
