import CNN
import Foundation

/// Whether convolutions that are not being trained run on oneDNN (the default) or on the
/// engine's own kernels: `TL_ONEDNN=0` turns oneDNN off, for comparisons or on a CPU where
/// `tl self-check` finds it wrong.
public enum ConvolutionBackendConfiguration {
    public static func apply() {
        if ProcessInfo.processInfo.environment["TL_ONEDNN"] == "0" { Engine.usesOneDNN = false }
    }
}
