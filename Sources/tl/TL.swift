import ArgumentParser
import CNN
import Runtime

@main
struct TL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tl",
        abstract: "Transfer learning on biomedical images, on a CPU.",
        version: "tl 0.1.0",
        subcommands: [SelfCheck.self]
    )

    static func main() {
        BLASKernelSelection.reexecuteWithFastKernelIfNeeded()
        ThreadConfiguration.apply(requested: nil)
        Self.main(nil)
    }
}
