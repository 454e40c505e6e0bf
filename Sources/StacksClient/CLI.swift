// The client's entry: parse the command line, pick the server and credential, run the command,
// and turn its outcome into an exit code — 0 done, 1 an API error, 2 usage, 3 no server — with
// an error as one line on stderr. main.swift hands it the arguments and the environment.
import Foundation

/// Runs the `stacks` command line.
public enum CLI {
    /// Runs `arguments` (without the program's name) with `environment`; returns the exit code.
    public static func run(arguments: [String], environment: [String: String]) async -> Int32 {
        let console = Console(terminal: Terminal(environment: environment))
        var credential = Credential.none
        do throws(ClientError) {
            let invocation = try CommandTable.parser.parse(arguments)
            if invocation.command.isEmpty {
                guard invocation.wantsHelp else {
                    console.note(HelpText.overview)
                    return 2
                }
                console.print(HelpText.overview)
                return 0
            }
            if invocation.wantsHelp {
                console.print(HelpText.text(for: invocation.command) ?? HelpText.overview)
                return 0
            }
            guard let command = CommandTable.command(named: invocation.command) else {
                throw .usage("no command '\(invocation.command)'")
            }
            let server = try ServerAddress.chosen(option: invocation.value("--server"), environment: environment)
            let store = try CredentialStore(environment: environment)
            let stored = command.spec.name == "help" ? nil : try store.load().servers[server.key]
            credential = Credential.chosen(environment: environment, stored: stored)
            let client = APIClient(server: server, credential: credential, store: store, policy: try policy(environment))
            var context = Context(
                invocation: invocation, client: client, store: store, console: console, environment: environment)
            try await command.run(&context)
            return 0
        } catch {
            console.note(error.line)
            if case .problem(_, 401) = error, credential == .none {
                console.note("hint: log in with stacks login, or set STACKS_API_KEY")
            }
            return error.exitCode
        }
    }

    /// The retry policy, with STACKS_TRIES (1-20) if set.
    static func policy(_ environment: [String: String]) throws(ClientError) -> RetryPolicy {
        var policy = RetryPolicy.standard
        if let text = environment["STACKS_TRIES"] {
            guard let tries = Int(text), (1...20).contains(tries) else {
                throw .usage("STACKS_TRIES is a whole number from 1 to 20, not '\(text)'")
            }
            policy.tries = tries
        }
        return policy
    }
}
