// Reads a command line against the command table: global options anywhere, the command's name
// (one word, or two for `key …` and `desk …`), its options as `--name VALUE` or `--name=VALUE`,
// `--` before words that start with a dash. Anything else is a usage error (exit code 2).

/// Parses command lines for a set of commands.
public struct ArgumentParser: Sendable {
    /// The commands it knows.
    public let commands: [CommandSpec]

    /// A parser of these commands.
    public init(commands: [CommandSpec]) {
        self.commands = commands
    }

    /// The command called `name`, if there is one.
    public func command(named name: String) -> CommandSpec? {
        commands.first { $0.name == name }
    }

    /// The invocation `arguments` (without the program's name) make.
    public func parse(_ arguments: [String]) throws(ClientError) -> Invocation {
        var rest = arguments[...]
        var leading: [String] = []
        while let word = rest.first, word.hasPrefix("-"), word != "--" {
            leading.append(word)
            rest = rest.dropFirst()
            if Self.global(word)?.value != nil, !word.contains("="), let value = rest.first {
                leading.append(value)
                rest = rest.dropFirst()
            }
        }
        guard let first = rest.first, first != "--" else {
            return try options(leading[...], for: CommandSpec("", positionals: 0...0, "Stacks"))
        }
        rest = rest.dropFirst()
        var name = first
        let group = commands.filter { $0.name.hasPrefix(first + " ") }
        if !group.isEmpty {
            let choices = group.map { String($0.name.dropFirst(first.count + 1)) }.joined(separator: "|")
            guard let second = rest.first, !second.hasPrefix("-") else {
                if rest.contains("--help") || rest.contains("-h") || leading.contains("--help") {
                    return Invocation(command: first, flags: ["--help"])
                }
                throw .usage("stacks \(first) needs one of: \(choices)")
            }
            guard command(named: first + " " + second) != nil else {
                throw .usage("stacks \(first) has no '\(second)': use one of \(choices)")
            }
            name = first + " " + second
            rest = rest.dropFirst()
        }
        guard let spec = command(named: name) else {
            throw .usage("no command '\(name)' (stacks help lists them)")
        }
        return try options(leading[...] + rest, for: spec)
    }

    /// The global option `word` names (`--server=…` included), if any.
    private static func global(_ word: String) -> OptionSpec? {
        let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
        return CommandSpec("", "", "").option(named: name)
    }

    private func options(_ words: ArraySlice<String>, for spec: CommandSpec) throws(ClientError) -> Invocation {
        var positionals: [String] = []
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var rest = words
        while let word = rest.popFirst() {
            if word == "--" {
                positionals.append(contentsOf: rest)
                break
            }
            guard word.hasPrefix("-"), word.count > 1 else {
                positionals.append(word)
                continue
            }
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let option = spec.option(named: parts[0]) else {
                throw .usage("stacks \(spec.name.isEmpty ? "" : spec.name + " ")does not take \(parts[0])")
            }
            if option.value != nil {
                if parts.count == 2 {
                    values[option.name] = parts[1]
                } else if let value = rest.popFirst() {
                    values[option.name] = value
                } else {
                    throw .usage("\(option.name) needs a value (\(option.value ?? ""))")
                }
            } else {
                guard parts.count == 1 else { throw .usage("\(option.name) takes no value") }
                flags.insert(option.name)
            }
        }
        let invocation = Invocation(command: spec.name, positionals: positionals, values: values, flags: flags)
        if !invocation.wantsHelp, !spec.name.isEmpty, !spec.positionals.contains(positionals.count) {
            throw .usage(Self.countError(spec, given: positionals.count))
        }
        return invocation
    }

    private static func countError(_ spec: CommandSpec, given: Int) -> String {
        let usage = "usage: stacks \(spec.name) \(spec.arguments)".trimmingTrailingSpaces()
        if given < spec.positionals.lowerBound { return "stacks \(spec.name) needs \(spec.arguments) (\(usage))" }
        return "stacks \(spec.name) takes at most \(spec.positionals.upperBound) argument"
            + "\(spec.positionals.upperBound == 1 ? "" : "s"), not \(given) (\(usage))"
    }
}

extension String {
    /// The string without spaces at its end.
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
