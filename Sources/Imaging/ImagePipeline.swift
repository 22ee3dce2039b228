import CNN
import Foundation

/// File → network input: decode (turned upright by its EXIF orientation), bring to the input
/// size by the spec's resize mode (or a random resized crop), augment when training, then apply
/// the model's preprocessing. A value type of options: safe to use from many threads at once.
public struct ImagePipeline: Sendable {
    public var spec: InputSpec
    public var decoder: ImageDecoder
    /// Training-time augmentation; nil for evaluation and prediction.
    public var augmenter: Augmenter?

    public init(spec: InputSpec, decoder: ImageDecoder = ImageDecoder(), augmenter: Augmenter? = nil) {
        self.spec = spec
        self.decoder = decoder
        self.augmenter = augmenter
    }

    /// The decoded picture at the input size, values in [0, 255], before preprocessing.
    /// `epoch` and `index` (the image's position in the epoch's list) choose the augmentation.
    public func inputImage(contentsOf url: URL, epoch: Int = 0, index: Int = 0) throws -> Image {
        inputImage(from: try decoder.decode(contentsOf: url), epoch: epoch, index: index)
    }

    /// An already decoded picture at the input size, values in [0, 255], before preprocessing.
    public func inputImage(from image: Image, epoch: Int = 0, index: Int = 0) -> Image {
        guard let augmenter else {
            return image.fitted(width: spec.width, height: spec.height, mode: spec.resizeMode,
                                filter: spec.filter, antialias: spec.antialias)
        }
        var generator = augmenter.generator(epoch: epoch, index: index)
        return augmenter.augmentedInput(from: image, spec: spec, using: &generator)
    }

    /// One sample as the network wants it: `(height, width, 3)`, preprocessed.
    public func sample(contentsOf url: URL, epoch: Int = 0, index: Int = 0) throws -> Tensor {
        sample(from: try inputImage(contentsOf: url, epoch: epoch, index: index))
    }

    /// Preprocesses an input-sized image into a `(height, width, 3)` sample.
    public func sample(from inputImage: Image) -> Tensor {
        precondition(inputImage.width == spec.width && inputImage.height == spec.height,
                     "a \(inputImage.width)×\(inputImage.height) image is not a \(spec.width)×\(spec.height) input")
        var tensor = Tensor(shape: inputImage.shape, scalars: inputImage.pixels)
        spec.preprocessing.apply(to: &tensor)
        return tensor
    }

    /// Decodes and stacks `urls` into one `(N, height, width, 3)` batch on the calling thread,
    /// failing on the first bad file; `BatchLoader` is the streaming, parallel, forgiving version.
    public func batch(contentsOf urls: [URL], epoch: Int = 0, firstIndex: Int = 0) throws -> Tensor {
        let perSample = spec.width * spec.height * 3
        var scalars = [Float]()
        scalars.reserveCapacity(urls.count * perSample)
        for (offset, url) in urls.enumerated() {
            scalars.append(contentsOf: try sample(contentsOf: url, epoch: epoch, index: firstIndex + offset).scalars)
        }
        return Tensor(shape: [urls.count] + spec.sampleShape, scalars: scalars)
    }
}
