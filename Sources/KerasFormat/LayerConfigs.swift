import CNN

/// The inverse of `LayerFactory`: the Keras class and config of an engine layer,
/// in the tf_keras form that Keras 3 also reads.
func layerConfig(_ layer: Layer, className: String, inputShapes: [[Int]]) throws -> (String, JSONValue) {
    func number(_ value: Int) -> JSONValue { .number(Double(value)) }
    func number(_ value: Float) -> JSONValue { .number(Double(value)) }
    func pair(_ a: Int, _ b: Int) -> JSONValue { .array([number(a), number(b)]) }
    var config: [String: JSONValue] = [
        "name": .string(layer.name), "trainable": .bool(layer.isTrainable), "dtype": .string("float32"),
    ]
    func geometryKeys(_ g: ConvolutionGeometry) {
        config["kernel_size"] = pair(g.kernelHeight, g.kernelWidth)
        config["strides"] = pair(g.strideY, g.strideX)
        config["dilation_rate"] = pair(g.dilationY, g.dilationX)
        config["padding"] = .string(g.padding.rawValue)
        config["data_format"] = .string("channels_last")
    }
    switch layer {
    case let conv as Conv2D:
        geometryKeys(conv.geometry)
        config["filters"] = number(conv.filters)
        config["groups"] = number(1)
        config["activation"] = .string("linear")
        config["use_bias"] = .bool(conv.bias != nil)
        return ("Conv2D", .object(config))
    case let separable as SeparableConv2D:
        geometryKeys(separable.depthwise.geometry)
        config["filters"] = number(separable.pointwise.filters)
        config["depth_multiplier"] = number(separable.depthwise.depthMultiplier)
        config["activation"] = .string("linear")
        config["use_bias"] = .bool(separable.pointwise.bias != nil)
        return ("SeparableConv2D", .object(config))
    case let depthwise as DepthwiseConv2D:
        geometryKeys(depthwise.geometry)
        config["depth_multiplier"] = number(depthwise.depthMultiplier)
        config["activation"] = .string("linear")
        config["use_bias"] = .bool(depthwise.bias != nil)
        return ("DepthwiseConv2D", .object(config))
    case let dense as Dense:
        config["units"] = number(dense.units)
        config["activation"] = .string("linear")
        config["use_bias"] = .bool(dense.bias != nil)
        return ("Dense", .object(config))
    case let norm as BatchNormalization:
        config["axis"] = number(-1)
        config["momentum"] = number(norm.momentum)
        config["epsilon"] = number(norm.epsilon)
        config["center"] = .bool(norm.beta != nil)
        config["scale"] = .bool(norm.gamma != nil)
        return ("BatchNormalization", .object(config))
    case let activation as Activation:
        return activationConfig(activation.kind, className: className, config: config, layer: layer.name)
    case let pool as MaxPooling2D:
        config["pool_size"] = pair(pool.geometry.kernelHeight, pool.geometry.kernelWidth)
        config["strides"] = pair(pool.geometry.strideY, pool.geometry.strideX)
        config["padding"] = .string(pool.geometry.padding.rawValue)
        config["data_format"] = .string("channels_last")
        return ("MaxPooling2D", .object(config))
    case let pool as AveragePooling2D:
        config["pool_size"] = pair(pool.geometry.kernelHeight, pool.geometry.kernelWidth)
        config["strides"] = pair(pool.geometry.strideY, pool.geometry.strideX)
        config["padding"] = .string(pool.geometry.padding.rawValue)
        config["data_format"] = .string("channels_last")
        return ("AveragePooling2D", .object(config))
    case let pool as GlobalAveragePooling2D:
        config["data_format"] = .string("channels_last")
        config["keepdims"] = .bool(pool.keepdims)
        return ("GlobalAveragePooling2D", .object(config))
    case let pool as GlobalMaxPooling2D:
        config["data_format"] = .string("channels_last")
        config["keepdims"] = .bool(pool.keepdims)
        return ("GlobalMaxPooling2D", .object(config))
    case let padding as ZeroPadding2D:
        config["padding"] = .array([pair(padding.top, padding.bottom), pair(padding.left, padding.right)])
        config["data_format"] = .string("channels_last")
        return ("ZeroPadding2D", .object(config))
    case is Add:
        return ("Add", .object(config))
    case is Multiply:
        return ("Multiply", .object(config))
    case is Concatenate:
        config["axis"] = number(-1)
        return ("Concatenate", .object(config))
    case is Flatten:
        config["data_format"] = .string("channels_last")
        return ("Flatten", .object(config))
    case let reshape as Reshape:
        config["target_shape"] = .array(reshape.targetShape.map(number))
        return ("Reshape", .object(config))
    case let dropout as Dropout:
        config["rate"] = number(dropout.rate)
        config["noise_shape"] = dropout.noiseShape.map { shape in .array(shape.map { $0.map(number) ?? .null }) } ?? .null
        config["seed"] = .null
        return ("Dropout", .object(config))
    case let rescaling as Rescaling:
        config["scale"] = number(rescaling.scale)
        config["offset"] = number(rescaling.offset)
        return ("Rescaling", .object(config))
    case let normalization as Normalization:
        config["axis"] = .array([number(-1)])
        config["invert"] = .bool(normalization.invert)
        if normalization.storesStatistics {
            config["mean"] = .null
            config["variance"] = .null
        } else {
            config["mean"] = .array(normalization.mean.value.scalars.map(number))
            config["variance"] = .array(normalization.variance.value.scalars.map(number))
        }
        return ("Normalization", .object(config))
    default:
        throw KerasFormatError.unsupportedLayer(file: "(saving)", layer: layer.name, className: String(describing: type(of: layer)))
    }
}

private func activationConfig(_ kind: ActivationKind, className: String, config base: [String: JSONValue],
                              layer: String) -> (String, JSONValue) {
    var config = base
    func relu(maxValue: Float?, slope: Float, threshold: Float) -> (String, JSONValue) {
        config["max_value"] = maxValue.map { .number(Double($0)) } ?? .null
        config["negative_slope"] = .number(Double(slope))
        config["threshold"] = .number(Double(threshold))
        return ("ReLU", .object(config))
    }
    switch kind {
    case .relu6: return relu(maxValue: 6, slope: 0, threshold: 0)
    case let .reluGeneral(maxValue, slope, threshold): return relu(maxValue: maxValue, slope: slope, threshold: threshold)
    case .relu where className == "ReLU": return relu(maxValue: nil, slope: 0, threshold: 0)
    case let .leakyReLU(alpha):
        // tf_keras reads `alpha`; Keras 3 reads `negative_slope` and still accepts `alpha`.
        config["alpha"] = .number(Double(alpha))
        return ("LeakyReLU", .object(config))
    case .softmax where className == "Softmax":
        config["axis"] = .number(-1)
        return ("Softmax", .object(config))
    default:
        config["activation"] = .string(kind.kerasName)
        return ("Activation", .object(config))
    }
}

extension ActivationKind {
    /// The name Keras's `Activation` layer takes for this kind. `hard_sigmoid` is
    /// written for the tf_keras definition (Keras 3 changed its meaning).
    var kerasName: String {
        switch self {
        case .linear: return "linear"
        case .relu: return "relu"
        case .relu6: return "relu6"
        case .leakyReLU: return "leaky_relu"
        case .reluGeneral: return "relu"
        case .sigmoid: return "sigmoid"
        case .hardSigmoid, .hardSigmoidV3: return "hard_sigmoid"
        case .swish: return "swish"
        case .hardSwish: return "hard_swish"
        case .tanh: return "tanh"
        case .gelu: return "gelu"
        case .elu: return "elu"
        case .softmax: return "softmax"
        }
    }
}
