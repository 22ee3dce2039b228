@testable import CNN

/// `layer` with uniform random parameters in [-1, 1); moving variances in [0.5, 1.5), so that a
/// batch normalization built from them is well conditioned.
func randomized<L: Layer>(_ generator: inout SeededGenerator, _ layer: L) -> L {
    for parameter in layer.parameters {
        let positive = parameter.name == "moving_variance"
        parameter.value = generator.uniformTensor(shape: parameter.shape, low: positive ? 0.5 : -1, high: positive ? 1.5 : 1)
    }
    return layer
}
