/// How strong each augmentation is. Defaults follow torchvision where it has one.
public struct AugmentationSettings: Sendable, Equatable {
    /// Fraction of the image's area that a random resized crop keeps (torchvision: 0.08...1).
    public var cropScale: ClosedRange<Double>
    /// Width / height of the crop, drawn log-uniformly (torchvision: 3/4...4/3).
    public var cropAspectRatio: ClosedRange<Double>
    /// Rotations are drawn uniformly from ±this many degrees.
    public var maxRotationDegrees: Double
    /// What shows in the corners a rotation uncovers.
    public var rotationFill: RotationFill
    /// Jitter strengths: each factor is drawn uniformly from [max(0, 1 − s), 1 + s], as in
    /// torchvision's ColorJitter(brightness: s, contrast: s, saturation: s).
    public var brightness: Float
    public var contrast: Float
    public var saturation: Float

    public init(cropScale: ClosedRange<Double> = 0.08...1, cropAspectRatio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                maxRotationDegrees: Double = 15, rotationFill: RotationFill = .reflect,
                brightness: Float = 0.2, contrast: Float = 0.2, saturation: Float = 0.2) {
        precondition(cropScale.lowerBound > 0 && cropScale.upperBound <= 1, "crop scale must lie in (0, 1]")
        precondition(cropAspectRatio.lowerBound > 0, "crop aspect ratio must be positive")
        precondition(maxRotationDegrees >= 0 && brightness >= 0 && contrast >= 0 && saturation >= 0,
                     "augmentation strengths must not be negative")
        self.cropScale = cropScale
        self.cropAspectRatio = cropAspectRatio
        self.maxRotationDegrees = maxRotationDegrees
        self.rotationFill = rotationFill
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
    }
}

/// The colour of pixels that come from outside the source image.
public enum RotationFill: Sendable, Equatable {
    /// Mirror the image at its edges (d c b a | a b c d | d c b a), Keras RandomRotation's default:
    /// no artificial borders for the network to learn.
    case reflect
    case constant(RGBColor)
}
