/// Keras `Dropout`, inverted: when training, each element is kept with probability
/// 1 − rate and scaled by 1 / (1 − rate), so inference is the identity and needs no rescaling.
/// It drops whenever `training` is true, frozen or not, as Keras's does.
///
/// Keras's `noise_shape` is supported: the mask is drawn for that shape and broadcast, so
/// EfficientNet's `noise_shape=(None, 1, 1, 1)` drops whole samples of a residual branch
/// (stochastic depth). As in keras-team/keras `keras/src/layers/regularization/dropout.py`
/// and `keras/src/backend/*/random.py` `dropout`, a rate must lie in [0, 1], and rate 1
/// outputs zeros.
///
/// The layer owns its generator: setting `seed` restarts it, so a run is reproducible
/// from `--seed` and two Dropout layers do not share one stream.
public final class Dropout: UnaryLayer {
    public let name: String
    public let rate: Float
    /// Keras's `noise_shape` including the batch dimension; nil entries take the input's size.
    public let noiseShape: [Int?]?
    public var isTrainable = true
    public var parameters: [Parameter] { [] }
    /// When false the layer is the identity even in a training pass: for gradients
    /// through a model at inference (Grad-CAM), where nothing is trained.
    public var isEnabled = true

    public var seed: UInt64 {
        didSet { generator = SeededGenerator(seed: seed) }
    }
    private var generator: SeededGenerator
    /// 0 or 1 / (1 − rate) per element of the noise shape, from the latest training pass;
    /// nil after an identity pass (rate 0), whose gradient passes through unchanged.
    private var savedMask: (values: [Float], shape: [Int])?
    private var trainedForward = false

    public init(name: String, rate: Float, noiseShape: [Int?]? = nil, seed: UInt64 = 0) throws {
        guard rate >= 0, rate <= 1 else {
            throw EngineError.invalidConfiguration(layer: name, reason: "dropout rate \(rate) is outside [0, 1]")
        }
        if let noiseShape, noiseShape.contains(where: { ($0 ?? 1) < 1 }) {
            throw EngineError.invalidConfiguration(layer: name, reason: "invalid noise shape \(noiseShape)")
        }
        self.name = name
        self.rate = rate
        self.noiseShape = noiseShape
        self.seed = seed
        generator = SeededGenerator(seed: seed)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        if let noiseShape {
            // The batch entry is checked in `forward`, where the batch size is known.
            _ = try concreteNoiseShape([noiseShape.first.flatMap { $0 } ?? 1] + inputShape)
        }
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        trainedForward = training
        savedMask = nil
        guard training, isEnabled, rate > 0, input.count > 0 else { return input }
        let maskShape = try concreteNoiseShape(input.shape)
        let maskCount = maskShape.reduce(1, *)
        // Rate 1 keeps nothing; Keras returns zeros rather than scaling by infinity.
        let scale: Float = rate < 1 ? 1 / (1 - rate) : 0
        var mask = [Float](repeating: 0, count: maskCount)
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<maskCount where generator.nextUniform() >= rate { m[i] = scale }
        }
        let output = applyMask(mask, shape: maskShape, to: input)
        savedMask = (mask, maskShape)
        return output
    }

    public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        guard trainedForward else { throw EngineError.notTrainedForward(layer: name) }
        guard inputGradient else { return nil }
        guard let mask = savedMask else { return outputGradient }
        guard outputGradient.rank == mask.shape.count,
              zip(mask.shape, outputGradient.shape).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw EngineError.shapeMismatch(what: "output gradient of '\(name)'", expected: mask.shape,
                                            actual: outputGradient.shape)
        }
        return applyMask(mask.values, shape: mask.shape, to: outputGradient)
    }

    /// The same product is the forward pass and the backward pass, since the mask
    /// already carries the 1 / (1 − rate) scale.
    private func applyMask(_ mask: [Float], shape maskShape: [Int], to tensor: Tensor) -> Tensor {
        var output: Tensor
        if maskShape == tensor.shape {
            output = Tensor(zeros: tensor.shape)
            tensor.withPointer { x in
                mask.withUnsafeBufferPointer { m in
                    output.withMutablePointer { y in dropoutApply(input: x, mask: m.baseAddress!, output: y, count: mask.count) }
                }
            }
        } else {
            output = tensor
            let shape = tensor.shape
            let strides = broadcastStrides(of: maskShape, in: shape)
            mask.withUnsafeBufferPointer { m in
                output.withMutablePointer { y in broadcastMultiplyInPlace(m.baseAddress!, strides: strides, into: y, shape: shape) }
            }
        }
        return output
    }

    /// `noiseShape` with nil entries filled from `inputShape` (which includes the batch);
    /// each entry must be the input's size or 1.
    private func concreteNoiseShape(_ inputShape: [Int]) throws -> [Int] {
        guard let noiseShape else { return inputShape }
        guard noiseShape.count == inputShape.count else {
            throw EngineError.invalidConfiguration(layer: name,
                                                   reason: "noise shape \(noiseShape) does not fit input shape \(inputShape)")
        }
        let shape = zip(noiseShape, inputShape).map { $0 ?? $1 }
        guard zip(shape, inputShape).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw EngineError.invalidConfiguration(layer: name,
                                                   reason: "noise shape \(noiseShape) does not broadcast to \(inputShape)")
        }
        return shape
    }
}

/// output = input · mask, element by element.
public func dropoutApply(input: UnsafePointer<Float>, mask: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { output[i] = input[i] * mask[i] }
}
