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
        case .vgg16, .vgg19: return try buildVGG(self, options: options)
        case .resnet50, .resnet101, .resnet152: return try buildResNet(self, options: options)
        case .resnet50Legacy: return try buildResNet50Legacy(options: options)
        case .densenet121: return try buildDenseNet(self, options: options)
        case .mobilenet: return try ZooModel.mobileNet(options)
        case .mobilenetV2: return try ZooModel.mobileNetV2(options)
        case .efficientnetB0: return try ZooModel.efficientNetB0(options)
        case .efficientnetLite0: return try ZooModel.efficientNetLite0(options)
        }
    }
}
