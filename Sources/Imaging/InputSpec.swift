import CNN

/// What a network expects as input, and how to get there from a picture of any size:
/// the target size, the resize geometry and filter, and the model's pixel preprocessing.
///
/// Keras's `image_dataset_from_directory` squashes with plain bilinear interpolation
/// (`tf.image.resize`, no antialiasing); a model trained that way sees slightly aliased
/// inputs, and `InputSpec.kerasDataset` reproduces them exactly. The default here keeps
/// proportions (`.centerCrop`) and antialiases, like torchvision's evaluation transform
/// and Pillow's `resize`, which preserves fine texture better when shrinking large images.
public struct InputSpec: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var resizeMode: ResizeMode
    public var filter: ResizeFilter
    /// Widen the filter when shrinking (Pillow); without it, plain interpolation (TensorFlow).
    public var antialias: Bool
    public var preprocessing: Preprocessing

    public init(width: Int, height: Int, resizeMode: ResizeMode = .centerCrop, filter: ResizeFilter = .bilinear,
                antialias: Bool = true, preprocessing: Preprocessing = .none) {
        precondition(width > 0 && height > 0, "input size must be positive, got \(width)×\(height)")
        self.width = width
        self.height = height
        self.resizeMode = resizeMode
        self.filter = filter
        self.antialias = antialias
        self.preprocessing = preprocessing
    }

    /// A square input, the usual case (224 for most ImageNet models).
    public init(size: Int, resizeMode: ResizeMode = .centerCrop, filter: ResizeFilter = .bilinear,
                antialias: Bool = true, preprocessing: Preprocessing = .none) {
        self.init(width: size, height: size, resizeMode: resizeMode, filter: filter, antialias: antialias,
                  preprocessing: preprocessing)
    }

    /// The pixels Keras's `image_dataset_from_directory(image_size=...)` feeds a model:
    /// squashed with bilinear interpolation and no antialiasing.
    public static func kerasDataset(width: Int, height: Int, preprocessing: Preprocessing) -> InputSpec {
        InputSpec(width: width, height: height, resizeMode: .squash, filter: .bilinear, antialias: false,
                  preprocessing: preprocessing)
    }

    /// `[height, width, 3]`, one NHWC sample.
    public var sampleShape: [Int] { [height, width, 3] }

    /// One line for reports, e.g. "224×224, center-crop, bilinear (antialiased), tf: x/127.5 − 1".
    public var summary: String {
        "\(width)×\(height), \(resizeMode), \(filter.rawValue) (\(antialias ? "antialiased" : "no antialiasing")), "
            + preprocessing.summary
    }
}
