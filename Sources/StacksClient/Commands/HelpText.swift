// The help a person reads: `stacks help` (every command, the global options, the environment,
// the exit codes), `stacks help COMMAND` and `COMMAND --help` (its usage and options), and
// `stacks key --help` for a group of subcommands.
import Foundation

/// The help texts.
public enum HelpText {
    /// `stacks help [COMMAND…]`.
    static let help = Command(CommandSpec("help", "[COMMAND]", positionals: 0...2, "Show the commands, or one command's usage."))
    {
        (context: inout Context) throws(ClientError) in
        let name = context.invocation.positionals.joined(separator: " ")
        guard !name.isEmpty else {
            context.console.print(overview)
            return
        }
        guard let text = text(for: name) else { throw .usage("no command '\(name)' (stacks help lists them)") }
        context.console.print(text)
    }

    /// The help of command or group `name`, if there is one.
    public static func text(for name: String) -> String? {
        if let command = CommandTable.command(named: name) { return command.spec.help }
        let group = CommandTable.commands.filter { $0.spec.name.hasPrefix(name + " ") }
        guard !group.isEmpty else { return nil }
        return (["usage: stacks \(name) COMMAND [options]", ""] + group.map { "  " + line($0.spec) }).joined(separator: "\n")
    }

    /// `stacks help`.
    public static let overview: String = {
        let lines = CommandTable.commands.map { "  " + line($0.spec) }
        return """
            usage: stacks COMMAND [ARGUMENTS] [options]

            A client of the Stacks library API. It keeps only your credentials (per server, in
            $XDG_CONFIG_HOME/stacks/credentials.json, mode 0600) and sends everything else with each request.

            commands:
            \(lines.joined(separator: "\n"))

            options of every command:
              --server URL   the API's base URL (else STACKS_URL, else \(ServerAddress.defaultAddress))
              --json         print the response's data as JSON instead of a table
              --help         show the command's usage

            environment: STACKS_URL (the server), STACKS_API_KEY (an API key, instead of the credentials file),
            STACKS_TRIES (tries per request, 1-20, default 8), XDG_CONFIG_HOME, COLUMNS, NO_COLOR.
            exit codes: 0 done, 1 the API refused (the error line says why), 2 usage, 3 the server cannot be reached.
            """
    }()

    private static func line(_ spec: CommandSpec) -> String {
        let usage = spec.name + (spec.arguments.isEmpty ? "" : " " + spec.arguments)
        return usage.padding(toLength: 30, withPad: " ", startingAt: 0) + " " + spec.summary
    }
}
