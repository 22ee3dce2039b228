import CNN
import Foundation
import KerasFormat

/// A two-block ResNet in miniature, for the paths the plain tiny backbone has none of: a
/// projection block (shortcut convolution) and an identity block, listed as tl's composed
/// graphs list ResNet50's (the shortcut convolution before the main branch's last one, its BN
/// after it), so inference fuses each block's sum into one of its convolutions.
enum ResidualBackbone {
    static let blocks: [(name: String, layers: [String])] = [
        ("r1", ["r1_1_conv", "r1_1_bn", "r1_1_relu", "r1_2_conv", "r1_2_bn", "r1_2_relu", "r1_0_conv", "r1_3_conv",
                "r1_0_bn", "r1_3_bn", "r1_add", "r1_out"]),
        ("r2", ["r2_1_conv", "r2_1_bn", "r2_1_relu", "r2_2_conv", "r2_2_bn", "r2_2_relu", "r2_3_conv", "r2_3_bn",
                "r2_add", "r2_out"]),
    ]

    /// input 32×32×3 in [0, 255] → Rescaling → stem (Conv2D 3×3/2, BN, ReLU, 8 channels) →
    /// r1 (1×1/2 → 3×3 → 1×1, shortcut 1×1/2; 8 channels) → r2 (identity) → 'avg_pool'.
    static func make(seed: UInt64 = 5) throws -> KerasModel {
        var generator = SeededGenerator(seed: seed)
        let graph = Graph(inputShape: [32, 32, 3], inputName: "input_1")
        try graph.add(Rescaling(name: "rescale", scale: 1 / 127.5, offset: -1))
        @discardableResult
        func conv(_ name: String, _ input: Int, _ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1) throws -> Int {
            let layer = try Conv2D(name: name, inputChannels: cin, filters: cout, kernelSize: (kernel, kernel),
                                   strides: (stride, stride), padding: .same)
            layer.kernel.value = Initializer.heNormal.tensor(shape: layer.kernel.shape, using: &generator)
            layer.bias!.value = generator.uniformTensor(shape: layer.bias!.shape, low: -0.1, high: 0.1)
            return try graph.add(layer, inputs: [input])
        }
        func norm(_ name: String, _ input: Int, _ channels: Int) throws -> Int {
            let layer = BatchNormalization(name: name, channels: channels)
            layer.gamma!.value = generator.uniformTensor(shape: [channels], low: 0.8, high: 1.2)
            layer.beta!.value = generator.uniformTensor(shape: [channels], low: -0.1, high: 0.1)
            layer.movingMean.value = generator.uniformTensor(shape: [channels], low: -0.2, high: 0.2)
            layer.movingVariance.value = generator.uniformTensor(shape: [channels], low: 0.8, high: 1.5)
            return try graph.add(layer, inputs: [input])
        }
        func relu(_ name: String, _ input: Int) throws -> Int {
            try graph.add(Activation(name: name, kind: .relu), inputs: [input])
        }
        let stem = try relu("stem_relu", norm("stem_bn", conv("stem_conv", 1, 3, 8, kernel: 3, stride: 2), 8))
        // r1: the projection block, in the composed order.
        let r1a = try relu("r1_1_relu", norm("r1_1_bn", conv("r1_1_conv", stem, 8, 4, kernel: 1, stride: 2), 4))
        let r1b = try relu("r1_2_relu", norm("r1_2_bn", conv("r1_2_conv", r1a, 4, 4, kernel: 3), 4))
        let shortcutConv = try conv("r1_0_conv", stem, 8, 8, kernel: 1, stride: 2)
        let mainConv = try conv("r1_3_conv", r1b, 4, 8, kernel: 1)
        let shortcut = try norm("r1_0_bn", shortcutConv, 8)
        let main = try norm("r1_3_bn", mainConv, 8)
        let r1 = try relu("r1_out", graph.add(Add(name: "r1_add"), inputs: [shortcut, main]))
        // r2: the identity block.
        let r2a = try relu("r2_1_relu", norm("r2_1_bn", conv("r2_1_conv", r1, 8, 4, kernel: 1), 4))
        let r2b = try relu("r2_2_relu", norm("r2_2_bn", conv("r2_2_conv", r2a, 4, 4, kernel: 3), 4))
        let r2 = try norm("r2_3_bn", conv("r2_3_conv", r2b, 4, 8, kernel: 1), 8)
        let out = try relu("r2_out", graph.add(Add(name: "r2_add"), inputs: [r1, r2]))
        try graph.add(GlobalAveragePooling2D(name: "avg_pool"), inputs: [out])
        return KerasModel(graph: graph, name: "residual_backbone")
    }

    static func write(to url: URL) throws {
        let metadata = JSONValue.array(blocks.map {
            .object(["name": .string($0.name), "layers": .array($0.layers.map(JSONValue.string))])
        }).serialized
        try KerasWriter.save(try make(), to: url.path, metadata: ["tl_blocks": metadata])
    }
}
