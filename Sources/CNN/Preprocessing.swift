/// How a network wants its input pixels, given float RGB in [0, 255] (NHWC).
/// These are the `preprocess_input` modes of `keras.applications`; `none` is for
/// models that normalize inside their own graph (EfficientNet, models saved by tl).
public enum Preprocessing: String, Sendable, CaseIterable, Codable {
    /// RGB→BGR, then subtract the ImageNet mean per channel (VGG, ResNet).
    case caffe
    /// x / 127.5 − 1 (MobileNet, MobileNetV2).
    case tf
    /// x / 255, then ImageNet mean/std per channel (DenseNet).
    case torch
    /// (x − 127) / 128 (EfficientNet-Lite, as published).
    case lite
    case none

    public var summary: String {
        switch self {
        case .caffe: return "caffe: RGB→BGR, minus ImageNet mean (103.939, 116.779, 123.68)"
        case .tf: return "tf: x/127.5 − 1"
        case .torch: return "torch: x/255, minus mean (0.485, 0.456, 0.406), divided by std (0.229, 0.224, 0.225)"
        case .lite: return "(x − 127)/128"
        case .none: return "none: float RGB in [0, 255] (the model normalizes in its own layers)"
        }
    }

    /// Applies the mode in place to NHWC RGB data with 3 channels.
    public func apply(to pixels: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count % 3 == 0, "preprocessing needs 3 channels")
        switch self {
        case .none:
            return
        case .tf:
            for i in 0..<count { pixels[i] = pixels[i] / 127.5 - 1 }
        case .lite:
            for i in 0..<count { pixels[i] = (pixels[i] - 127) / 128 }
        case .caffe:
            // Keras subtracts the BGR mean after reversing the channels.
            var i = 0
            while i < count {
                let r = pixels[i], g = pixels[i + 1], b = pixels[i + 2]
                pixels[i] = b - 103.939
                pixels[i + 1] = g - 116.779
                pixels[i + 2] = r - 123.68
                i += 3
            }
        case .torch:
            let mean: (Float, Float, Float) = (0.485, 0.456, 0.406)
            let std: (Float, Float, Float) = (0.229, 0.224, 0.225)
            var i = 0
            while i < count {
                pixels[i] = (pixels[i] / 255 - mean.0) / std.0
                pixels[i + 1] = (pixels[i + 1] / 255 - mean.1) / std.1
                pixels[i + 2] = (pixels[i + 2] / 255 - mean.2) / std.2
                i += 3
            }
        }
    }

    public func apply(to tensor: inout Tensor) {
        let count = tensor.count
        tensor.withMutablePointer { apply(to: $0, count: count) }
    }
}
