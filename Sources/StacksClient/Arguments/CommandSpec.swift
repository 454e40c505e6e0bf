// What a command accepts, declared as a value: its name, the words after it, its options and a
// line of help. The parser checks an invocation against it; `--help` prints it.
import Foundation

/// An option of a command: `--name` alone (a flag) or `--name VALUE`.
public struct OptionSpec: Sendable, Equatable {
    /// The option as typed, e.g. `--days`.
    public let name: String
    /// The placeholder of its value, e.g. `N`; nil for a flag.
    public let value: String?
    /// One line of help.
    public let help: String

    /// An option that takes a value.
    public static func valued(_ name: String, _ value: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: value, help: help)
    }

    /// An option that takes no value.
    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: nil, help: help)
    }
}

/// One command of the client.
public struct CommandSpec: Sendable {
    /// The command's words, e.g. `borrow` or `key create`.
    public let name: String
    /// The words after the name, as the usage line shows them, e.g. `ID` or `[WORDS…]`.
    public let arguments: String
    /// How many words may follow the name.
    public let positionals: ClosedRange<Int>
    /// The options it accepts besides the global ones.
    public let options: [OptionSpec]
    /// One line saying what it does.
    public let summary: String

    /// Declares a command.
    public init(
        _ name: String, _ arguments: String = "", positionals: ClosedRange<Int> = 0...0, options: [OptionSpec] = [],
        _ summary: String
    ) {
        self.name = name
        self.arguments = arguments
        self.positionals = positionals
        self.options = options
        self.summary = summary
    }

    /// The options every command accepts.
    public static let globalOptions: [OptionSpec] = [
        .valued("--server", "URL", "the API's base URL (else STACKS_URL, else http://127.0.0.1:8080)"),
        .flag("--json", "print the response's data as JSON instead of a table"),
        .flag("--help", "show this help"),
    ]

    /// The option named `name` (a global one included), if this command accepts it.
    public func option(named name: String) -> OptionSpec? {
        (options + Self.globalOptions).first { $0.name == name || ($0.name == "--help" && name == "-h") }
    }

    /// The usage line and option list that `--help` prints.
    public var help: String {
        var lines = ["usage: stacks \(name)\(arguments.isEmpty ? "" : " " + arguments) [options]", "", summary, ""]
        let all = options + Self.globalOptions
        let labels = all.map { $0.name + ($0.value.map { " " + $0 } ?? "") }
        let width = labels.map(\.count).max() ?? 0
        lines.append("options:")
        for (label, option) in zip(labels, all) {
            lines.append("  " + label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + option.help)
        }
        return lines.joined(separator: "\n")
    }
}
