// An invocation checked against its command: the options given (flags and values), the words
// after the command's name, and whether help was asked for. Reading typed values from it throws
// usage errors, so a bad number is exit code 2 before any request is sent.

/// A command line, parsed.
public struct Invocation: Sendable, Equatable {
    /// The command's name, e.g. `key create`; empty for `stacks` alone.
    public let command: String
    /// The words after the command's name, in order.
    public let positionals: [String]
    /// The options given with a value, by name (`--days` → `7`); the last one wins.
    public let values: [String: String]
    /// The flags given, by name.
    public let flags: Set<String>

    /// Makes an invocation.
    public init(command: String, positionals: [String] = [], values: [String: String] = [:], flags: Set<String> = []) {
        self.command = command
        self.positionals = positionals
        self.values = values
        self.flags = flags
    }

    /// Whether `--help` (or `-h`) was given.
    public var wantsHelp: Bool { flags.contains("--help") }

    /// Whether `--json` was given.
    public var wantsJSON: Bool { flags.contains("--json") }

    /// Whether the flag `name` was given.
    public func has(_ name: String) -> Bool { flags.contains(name) }

    /// The value of option `name`, if given.
    public func value(_ name: String) -> String? { values[name] }

    /// The value of option `name` as an integer in `range`, if given.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(ClientError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw .usage("\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// The positional at `index` as an id (a positive whole number), named `what` in errors.
    public func id(at index: Int, _ what: String) throws(ClientError) -> Int64 {
        guard index < positionals.count else { throw .usage("\(command) needs \(what)") }
        let text = positionals[index]
        guard let id = Int64(text), id > 0 else { throw .usage("\(what) is a positive whole number, not '\(text)'") }
        return id
    }
}
