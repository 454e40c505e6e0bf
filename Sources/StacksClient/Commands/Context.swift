// What a command runs with: the parsed invocation, the API client (holding the credential), the
// credentials file, the console, and the environment main.swift read. Helpers turn an answer into
// `--json` output or the human form.
import Foundation
import StacksWire

/// The state of one command run, passed to its handler.
public struct Context: Sendable {
    /// The command line.
    public let invocation: Invocation
    /// The client of the chosen server.
    public var client: APIClient
    /// The credentials file.
    public let store: CredentialStore
    /// Where output goes.
    public let console: Console
    /// The environment main.swift read.
    public let environment: [String: String]

    /// Makes a context.
    public init(
        invocation: Invocation, client: APIClient, store: CredentialStore, console: Console, environment: [String: String]
    ) {
        self.invocation = invocation
        self.client = client
        self.store = store
        self.console = console
        self.environment = environment
    }

    /// The width tables are laid out for.
    public var width: Int { console.terminal.width }

    /// The server's address as the credentials file names it.
    public var server: ServerAddress { client.server }

    /// The `data` of the answer to `call`, or the error the answer means.
    public mutating func data(_ call: APICall) async throws(ClientError) -> JSONValue {
        try await client.send(call).data()
    }

    /// Prints `data` as JSON with `--json`, else the text `human` makes of it.
    public func show(_ data: JSONValue, _ human: (JSONValue) -> String) {
        console.print(invocation.wantsJSON ? JSONText.pretty(data) : human(data))
    }
}
