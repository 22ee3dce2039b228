/// A failure found while running (not while parsing arguments): printed as one
/// "Error: …" line without the usage text, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
