import CNN
import KerasFormat
import Zoo

/// Joins a backbone and a classifier head into one model that takes images,
/// as saved by `retrain-head` and `finetune`.
public enum ModelComposer {
    /// backbone up to its feature node → pooling if the features are a map → head.
    /// Returns the model and the node of the head's logits.
    public static func compose(backbone: LoadedModel, featureNode: Int, pooling: FeaturePooling,
                               head: ClassifierHead, name: String) throws -> (model: KerasModel, logitsNode: Int) {
        let source = backbone.graph
        let graph = Graph(inputShape: source.inputShape, inputName: source.inputName)
        let map = try GraphComposition.append(source, upTo: [featureNode], into: graph, at: 0)
        var node = map[featureNode]!
        let shape = graph.nodes[node].outputShape
        if shape.count == 3 {
            if shape[0] == 1 && shape[1] == 1 {
                node = try graph.add(Flatten(name: "tl_flatten"), inputs: [node])
            } else {
                let pool: Layer = pooling == .avg ? GlobalAveragePooling2D(name: "tl_avg_pool")
                                                  : GlobalMaxPooling2D(name: "tl_max_pool")
                node = try graph.add(pool, inputs: [node])
            }
        }
        let headMap = try GraphComposition.append(head.graph, upTo: [head.graph.outputNode], into: graph, at: node)
        graph.setOutput(headMap[head.graph.outputNode]!)
        var classNames = [String: String]()
        for entry in backbone.model.kerasLayers { classNames[entry.name] = entry.className }
        return (KerasModel(graph: graph, name: name, classNames: classNames), headMap[head.logitsNode]!)
    }

    /// Root attributes that let tl (and a Keras user) use a saved model fully.
    public static func metadata(classNames: [String], backbone: LoadedModel, extra: [String: String] = [:]) -> [String: String] {
        var values = extra
        values["class_names"] = JSONValue.array(classNames.map(JSONValue.string)).serialized
        if let architecture = backbone.architecture { values["tl_architecture"] = architecture.rawValue }
        let blocks = JSONValue.array(backbone.blocks.map {
            .object(["name": .string($0.name), "layers": .array($0.layers.map(JSONValue.string))])
        })
        values["tl_blocks"] = blocks.serialized
        return values
    }
}
