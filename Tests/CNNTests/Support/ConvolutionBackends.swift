import XCTest
@testable import CNN

/// Runs `body` with `Engine.usesOneDNN` set to `enabled`, restoring the previous setting after.
/// Convolutions that are not being trained go through oneDNN when it is on; tests of the
/// engine's own kernels at the layer level turn it off.
func withOneDNN<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
    let saved = Engine.usesOneDNN
    defer { Engine.usesOneDNN = saved }
    Engine.usesOneDNN = enabled
    return try body()
}

/// Runs `body` with the engine's own convolution kernels (oneDNN off), then with oneDNN on,
/// restoring the previous setting after.
func forEachConvolutionBackend(_ body: (_ oneDNN: Bool) throws -> Void) rethrows {
    for enabled in [false, true] {
        try withOneDNN(enabled) { try body(enabled) }
    }
}

/// Runs `body` with `Engine.usesWinograd` set to `enabled`, restoring the previous setting after.
func withWinograd<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
    let saved = Engine.usesWinograd
    defer { Engine.usesWinograd = saved }
    Engine.usesWinograd = enabled
    return try body()
}
