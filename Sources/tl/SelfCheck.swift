import ArgumentParser
import CNN
import Runtime

struct SelfCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-check",
        abstract: "Check the engine on this machine and print which BLAS kernel it uses."
    )

    func run() throws {
        print(ThreadConfiguration.summary)
    }
}
