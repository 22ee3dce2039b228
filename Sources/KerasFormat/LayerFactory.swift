import CNN

/// Turns one Keras layer config into engine layers: the layer itself, then an
/// `Activation` named `<name>_activation` when the config fuses one (`activation`
/// of Conv2D, Dense, ...). Unsupported classes and options are refused with the
/// layer's name, never computed differently from Keras.
struct LayerFactory {
    let file: String
    let flavor: ModelConfig.Flavor

    /// Classes whose instances carry no computation in a forward pass at inference.
    static let supportedClasses: Set<String> = [
        "InputLayer", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "BatchNormalization", "Activation", "ReLU",
        "LeakyReLU", "Softmax", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
        "GlobalMaxPooling2D", "ZeroPadding2D", "Add", "Multiply", "Concatenate", "Flatten", "Reshape",
        "Dropout", "Rescaling", "Normalization",
    ]

    func makeLayers(for spec: ModelConfig.LayerSpec, inputShapes: [[Int]]) throws -> [Layer] {
        let c = spec.config
        let name = spec.name
        func fail(_ reason: String) -> KerasFormatError {
            .unsupportedOption(file: file, layer: name, reason: reason)
        }
        if let format = c["data_format"]?.string, format != "channels_last" {
            throw fail("data_format \(format) is not supported (tl runs channels_last models only)")
        }
        func pair(_ key: String, default value: Int) throws -> (Int, Int) {
            guard let values = c[key]?.ints else { return (value, value) }
            if values.count == 1 { return (values[0], values[0]) }
            guard values.count == 2 else { throw fail("\(key) must have 2 values") }
            return (values[0], values[1])
        }
        func padding() throws -> Padding {
            let text = c["padding"]?.string ?? "valid"
            guard let value = Padding(rawValue: text.lowercased()) else { throw fail("padding '\(text)' is not supported") }
            return value
        }
        func channels() throws -> Int {
            guard let last = inputShapes.first?.last, last > 0 else { throw fail("unknown number of input channels") }
            return last
        }
        func activation(_ key: String = "activation") throws -> ActivationKind? {
            guard let value = c[key] else { return nil }
            let text: String
            if let string = value.string {
                text = string
            } else if let registered = value["config"]?.string ?? value["config"]?["name"]?.string
                        ?? value["class_name"]?.string {
                // Keras 3 may serialize the function as an object:
                // {"class_name": "function", "config": "relu", "module": "keras.activations"}.
                text = registered
            } else {
                return nil
            }
            guard let kind = ActivationKind(kerasName: text, keras3: flavor == .keras3) else {
                throw fail("activation '\(text)' is not supported")
            }
            return kind == .linear ? nil : kind
        }
        func withActivation(_ layer: Layer) throws -> [Layer] {
            guard let kind = try activation() else { return [layer] }
            return [layer, Activation(name: "\(name)_activation", kind: kind)]
        }

        switch spec.className {
        case "Conv2D":
            if let groups = c["groups"]?.int, groups != 1 { throw fail("grouped convolution (groups \(groups)) is not supported") }
            guard let filters = c["filters"]?.int, filters > 0 else { throw fail("no (positive) filters") }
            return try withActivation(Conv2D(
                name: name, inputChannels: channels(), filters: filters, kernelSize: pair("kernel_size", default: 1),
                strides: pair("strides", default: 1), dilation: pair("dilation_rate", default: 1),
                padding: padding(), useBias: c["use_bias"]?.bool ?? true))
        case "DepthwiseConv2D":
            guard (c["depth_multiplier"]?.int ?? 1) > 0 else { throw fail("depth_multiplier must be positive") }
            return try withActivation(DepthwiseConv2D(
                name: name, inputChannels: channels(), kernelSize: pair("kernel_size", default: 1),
                strides: pair("strides", default: 1), dilation: pair("dilation_rate", default: 1),
                padding: padding(), depthMultiplier: c["depth_multiplier"]?.int ?? 1,
                useBias: c["use_bias"]?.bool ?? true))
        case "SeparableConv2D":
            guard let filters = c["filters"]?.int, filters > 0 else { throw fail("no (positive) filters") }
            guard (c["depth_multiplier"]?.int ?? 1) > 0 else { throw fail("depth_multiplier must be positive") }
            return try withActivation(SeparableConv2D(
                name: name, inputChannels: channels(), filters: filters, kernelSize: pair("kernel_size", default: 1),
                strides: pair("strides", default: 1), dilation: pair("dilation_rate", default: 1),
                padding: padding(), depthMultiplier: c["depth_multiplier"]?.int ?? 1,
                useBias: c["use_bias"]?.bool ?? true))
        case "Dense":
            guard let units = c["units"]?.int, units > 0 else { throw fail("no (positive) units") }
            return try withActivation(Dense(name: name, inputUnits: channels(), units: units, useBias: c["use_bias"]?.bool ?? true))
        case "BatchNormalization":
            let axes = c["axis"]?.ints ?? [-1]
            let rank = (inputShapes.first?.count ?? 0)
            guard axes.count == 1, axes[0] == -1 || axes[0] == rank else {
                throw fail("BatchNormalization over axis \(axes) is not supported (only the channel axis)")
            }
            let norm = BatchNormalization(name: name, channels: try channels(),
                                          epsilon: Float(c["epsilon"]?.double ?? 1e-3),
                                          momentum: Float(c["momentum"]?.double ?? 0.99),
                                          center: c["center"]?.bool ?? true, scale: c["scale"]?.bool ?? true)
            // tf_keras's fused kernel updates the moving variance with the unbiased batch variance.
            norm.movingVarianceUpdate = flavor == .keras2 ? .tfKeras : .biased
            return [norm]
        case "Activation":
            return [Activation(name: name, kind: try activation() ?? .linear)]
        case "ReLU":
            let maxValue = c["max_value"]?.double.map(Float.init)
            let slope = Float(c["negative_slope"]?.double ?? 0)
            let threshold = Float(c["threshold"]?.double ?? 0)
            return [Activation(name: name, kind: .relu(maxValue: maxValue, negativeSlope: slope, threshold: threshold))]
        case "LeakyReLU":
            let alpha = c["negative_slope"]?.double ?? c["alpha"]?.double ?? (flavor == .keras3 ? 0.3 : 0.3)
            return [Activation(name: name, kind: .leakyReLU(alpha: Float(alpha)))]
        case "Softmax":
            if let axis = c["axis"]?.ints, axis != [-1], axis.first != inputShapes.first?.count {
                throw fail("Softmax over axis \(axis) is not supported (only the last axis)")
            }
            return [Activation(name: name, kind: .softmax)]
        case "MaxPooling2D", "AveragePooling2D":
            let pool = try pair("pool_size", default: 2)
            let strides = c["strides"].flatMap { $0.isNull ? nil : $0 } != nil ? try pair("strides", default: 1) : pool
            if spec.className == "MaxPooling2D" {
                return [try MaxPooling2D(name: name, poolSize: pool, strides: strides, padding: padding())]
            }
            return [try AveragePooling2D(name: name, poolSize: pool, strides: strides, padding: padding())]
        case "GlobalAveragePooling2D":
            return [GlobalAveragePooling2D(name: name, keepdims: c["keepdims"]?.bool ?? false)]
        case "GlobalMaxPooling2D":
            return [GlobalMaxPooling2D(name: name, keepdims: c["keepdims"]?.bool ?? false)]
        case "ZeroPadding2D":
            let (top, bottom, left, right) = try zeroPadding(c["padding"], fail: fail)
            return [ZeroPadding2D(name: name, top: top, bottom: bottom, left: left, right: right)]
        case "Add":
            return [Add(name: name)]
        case "Multiply":
            return [Multiply(name: name)]
        case "Concatenate":
            let axis = c["axis"]?.int ?? -1
            let rank = inputShapes.first?.count ?? 0
            guard axis == -1 || axis == rank else { throw fail("Concatenate along axis \(axis) is not supported (only channels)") }
            return [Concatenate(name: name, axis: -1)]
        case "Flatten":
            return [Flatten(name: name)]
        case "Reshape":
            guard let target = c["target_shape"]?.ints else { throw fail("no target_shape") }
            return [Reshape(name: name, targetShape: target)]
        case "Dropout":
            return [try Dropout(name: name, rate: Float(c["rate"]?.double ?? 0))]
        case "Rescaling":
            guard let scale = c["scale"]?.double, let offset = c["offset"]?.double ?? Optional(0) else {
                throw fail("Rescaling with per-channel scale is not supported")
            }
            return [Rescaling(name: name, scale: Float(scale), offset: Float(offset))]
        case "Normalization":
            let channelCount = try channels()
            if let axis = c["axis"]?.ints, axis != [-1], axis != [inputShapes.first?.count ?? 0] {
                throw fail("Normalization over axis \(axis) is not supported (only the last axis)")
            }
            let invert = c["invert"]?.bool ?? false
            // Statistics given in the config are constants; otherwise they are weights in the file.
            if let mean = c["mean"], !mean.isNull, let variance = c["variance"], !variance.isNull {
                let meanValues = broadcast(mean, channelCount), varianceValues = broadcast(variance, channelCount)
                guard meanValues.count == channelCount, varianceValues.count == channelCount else {
                    throw fail("Normalization mean/variance with \(meanValues.count)/\(varianceValues.count) values "
                               + "for \(channelCount) channels is not supported (one value or one per channel)")
                }
                return [Normalization(name: name, mean: meanValues, variance: varianceValues, invert: invert, storesStatistics: false)]
            }
            return [Normalization(name: name, mean: [Float](repeating: 0, count: channelCount),
                                  variance: [Float](repeating: 1, count: channelCount), invert: invert)]
        default:
            throw KerasFormatError.unsupportedLayer(file: file, layer: name, className: spec.className)
        }
    }

    private func broadcast(_ value: JSONValue, _ count: Int) -> [Float] {
        if let number = value.double { return [Float](repeating: Float(number), count: count) }
        let values = (value.array ?? []).flatMap { $0.array ?? [$0] }.compactMap(\.double).map(Float.init)
        return values.count == 1 ? [Float](repeating: values[0], count: count) : values
    }

    private func zeroPadding(_ value: JSONValue?, fail: (String) -> KerasFormatError) throws -> (Int, Int, Int, Int) {
        guard let value else { return (1, 1, 1, 1) }
        if let all = value.int { return (all, all, all, all) }
        guard let items = value.array, items.count == 2 else { throw fail("padding must be an int or 2 entries") }
        if let vertical = items[0].int, let horizontal = items[1].int {
            return (vertical, vertical, horizontal, horizontal)
        }
        guard let rows = items[0].ints, let columns = items[1].ints, rows.count == 2, columns.count == 2 else {
            throw fail("padding must be ((top, bottom), (left, right))")
        }
        return (rows[0], rows[1], columns[0], columns[1])
    }
}
