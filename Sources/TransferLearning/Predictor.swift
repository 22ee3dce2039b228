import CNN

public struct Prediction: Sendable, Equatable, Codable {
    public var label: String
    public var index: Int
    public var probability: Float
}

/// Classifies batches of images with a model that ends in a softmax.
public final class Predictor {
    public let model: LoadedModel
    public let classNames: [String]

    public init(model: LoadedModel) throws {
        guard model.hasClassifier else { throw TransferLearningError.noClassifier(model: model.displayName) }
        self.model = model
        let count = model.classCount
        if let names = model.classNames, names.count == count {
            classNames = names
        } else {
            classNames = (0..<count).map { "class \($0)" }
        }
        model.graph.fuseForInference(preserving: [model.graph.outputNode])
    }

    /// Class probabilities (N, K) for images (N, H, W, 3) in [0, 255].
    public func probabilities(of images: Tensor) throws -> Tensor {
        var input = images
        model.externalPreprocessing.apply(to: &input)
        return try model.graph.forward(input)
    }

    /// The `top` most probable classes of each image, most probable first.
    public func predict(_ images: Tensor, top: Int) throws -> [[Prediction]] {
        let probabilities = try probabilities(of: images)
        return topPredictions(probabilities, top: top)
    }

    public func topPredictions(_ probabilities: Tensor, top: Int) -> [[Prediction]] {
        let classes = probabilities.shape.last ?? 0
        return (0..<probabilities.shape[0]).map { row in
            let slice = Array(probabilities.scalars[(row * classes)..<((row + 1) * classes)])
            let order = slice.indices.sorted { slice[$0] != slice[$1] ? slice[$0] > slice[$1] : $0 < $1 }
            return order.prefix(top).map { Prediction(label: classNames[$0], index: $0, probability: slice[$0]) }
        }
    }
}
