import CNN

/// The architectures of the zoo, named as `tl info` and `--arch` spell them.
public enum Architecture: String, CaseIterable, Sendable {
    case vgg16, vgg19
    case resnet50, resnet101, resnet152
    /// The first `keras.applications` ResNet50 file (layer names `conv1`, `bn_conv1`, `res2a_branch2a`).
    case resnet50Legacy = "resnet50-legacy"
    case mobilenet, mobilenetV2 = "mobilenetv2"
    case densenet121
    case efficientnetB0 = "efficientnetb0"
    case efficientnetLite0 = "efficientnet-lite0"

    public var defaultInputSize: (Int, Int) { (224, 224) }

    /// Builds the network (random-free: every weight is zero or one until loaded).
    public func build(_ options: ZooOptions = ZooOptions()) throws -> ZooModel {
        switch self {
        default:
            throw EngineError.invalidConfiguration(layer: rawValue, reason: "architecture not built yet")
        }
    }
}
