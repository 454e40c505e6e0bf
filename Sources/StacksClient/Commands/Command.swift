// A command of the client: its spec (name, arguments, options, help) and the work it does with a
// context. The table of all of them is CommandTable.swift.

/// A command: what it accepts and what it does.
public struct Command: Sendable {
    /// What it accepts.
    public let spec: CommandSpec
    /// What it does.
    public let run: @Sendable (inout Context) async throws(ClientError) -> Void

    /// Declares a command.
    public init(_ spec: CommandSpec, _ run: @escaping @Sendable (inout Context) async throws(ClientError) -> Void) {
        self.spec = spec
        self.run = run
    }
}
