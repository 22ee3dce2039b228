import CNN

/// Applies `Augmentation`s reproducibly: every image gets its own generator derived from
/// (seed, epoch, index), so an image's augmentation does not depend on which thread handles
/// it or in what order, and a run with the same seed sees the same pictures.
public struct Augmenter: Sendable, Equatable {
    public var augmentations: Augmentation
    public var settings: AugmentationSettings
    public var seed: UInt64

    public init(_ augmentations: Augmentation, settings: AugmentationSettings = AugmentationSettings(),
                seed: UInt64) {
        self.augmentations = augmentations
        self.settings = settings
        self.seed = seed
    }

    /// The generator for the image at `index` (its position in the epoch's list) in `epoch`.
    public func generator(epoch: Int, index: Int) -> SeededGenerator {
        // Each input goes through a SplitMix64 finalizer before the next is mixed in, so nearby
        // (epoch, index) pairs give unrelated streams.
        var state = mixed(seed ^ 0x6A09_E667_F3BC_C908)
        state = mixed(state ^ UInt64(bitPattern: Int64(epoch)))
        state = mixed(state ^ UInt64(bitPattern: Int64(index)))
        return SeededGenerator(seed: state)
    }

    /// A decoded image turned into an augmented `spec.width × spec.height` input, values in
    /// [0, 255], before the model's preprocessing. Random numbers are drawn in a fixed order
    /// (crop, flips, quarter turns, rotation, brightness, contrast, saturation), one set per
    /// enabled augmentation whether or not it changes anything.
    public func augmentedInput(from image: Image, spec: InputSpec, using generator: inout SeededGenerator) -> Image {
        var result: Image
        if augmentations.contains(.randomResizedCrop) {
            let crop = randomResizedCropRect(width: image.width, height: image.height, scale: settings.cropScale,
                                             ratio: settings.cropAspectRatio, using: &generator)
            result = image.resized(width: spec.width, height: spec.height,
                                   from: PixelRect(x: crop.x, y: crop.y, width: crop.width, height: crop.height),
                                   filter: spec.filter, antialias: spec.antialias)
        } else {
            result = image.fitted(width: spec.width, height: spec.height, mode: spec.resizeMode,
                                  filter: spec.filter, antialias: spec.antialias)
        }
        return augmented(result, using: &generator)
    }

    /// The size-preserving augmentations (everything but the crop) applied to `image`.
    public func augmented(_ image: Image, using generator: inout SeededGenerator) -> Image {
        var result = image
        if augmentations.contains(.horizontalFlip), generator.nextUniform() < 0.5 {
            result = result.flippedHorizontally()
        }
        if augmentations.contains(.verticalFlip), generator.nextUniform() < 0.5 {
            result = result.flippedVertically()
        }
        if augmentations.contains(.rotate90) {
            var turns = generator.uniformIndex(below: 4)
            // A quarter turn would swap a non-square input's sides; keep to half turns there.
            if result.width != result.height && turns % 2 == 1 { turns += 1 }
            result = result.rotated(quarterTurns: turns)
        }
        if augmentations.contains(.rotation) {
            let limit = settings.maxRotationDegrees
            let degrees = generator.uniformDouble(in: -limit...limit)
            result = result.rotated(degrees: degrees, fill: settings.rotationFill)
        }
        if augmentations.contains(.brightness) {
            result = result.adjustingBrightness(by: jitterFactor(settings.brightness, using: &generator))
        }
        if augmentations.contains(.contrast) {
            result = result.adjustingContrast(by: jitterFactor(settings.contrast, using: &generator))
        }
        if augmentations.contains(.saturation) {
            result = result.adjustingSaturation(by: jitterFactor(settings.saturation, using: &generator))
        }
        return result
    }

    private func jitterFactor(_ strength: Float, using generator: inout SeededGenerator) -> Float {
        let low = Double(max(0, 1 - strength)), high = Double(1 + strength)
        return Float(generator.uniformDouble(in: low...high))
    }
}

/// The SplitMix64 output function: a bijection on 64 bits that scatters every input bit.
func mixed(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
