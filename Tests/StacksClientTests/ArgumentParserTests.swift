// The command line read against the command table: names and subcommands, options with values
// in both spellings, global options anywhere, and every mistake a usage error (exit code 2).
import Testing

@testable import StacksClient

@Suite struct ArgumentParserTests {
    let parser = CommandTable.parser

    @Test("reads a command, its words and its options in either spelling")
    func options() throws {
        let invocation = try parser.parse(["books", "domain", "design", "--author=evans", "--available", "--limit", "5"])
        #expect(invocation.command == "books")
        #expect(invocation.positionals == ["domain", "design"])
        #expect(invocation.value("--author") == "evans")
        #expect(invocation.has("--available"))
        #expect(try invocation.integer("--limit", in: 1...100) == 5)
    }

    @Test("takes the global options before or after the command")
    func globalOptions() throws {
        let before = try parser.parse(["--server", "http://h:1", "--json", "borrows"])
        let after = try parser.parse(["borrows", "--json", "--server=http://h:1"])
        #expect(before == after)
        #expect(before.value("--server") == "http://h:1" && before.wantsJSON)
    }

    @Test("joins a group's two words into one command")
    func subcommands() throws {
        #expect(try parser.parse(["key", "revoke", "12"]) == Invocation(command: "key revoke", positionals: ["12"]))
        #expect(try parser.parse(["desk", "checkout", "B1", "a@b.c", "--days", "3"]).command == "desk checkout")
        #expect(throws: ClientError.usage("stacks key needs one of: create|list|revoke")) { try parser.parse(["key"]) }
        #expect(throws: ClientError.self) { try parser.parse(["key", "rotate"]) }
        #expect(try parser.parse(["key", "--help"]).wantsHelp)
    }

    @Test("reads words after -- as words, dashes and all")
    func doubleDash() throws {
        #expect(try parser.parse(["chat", "c1", "--", "--what", "-x"]).positionals == ["c1", "--what", "-x"])
    }

    @Test("answers help for -h and --help without checking the words")
    func help() throws {
        #expect(try parser.parse(["borrow", "-h"]).wantsHelp)
        #expect(try parser.parse(["--help"]) == Invocation(command: "", flags: ["--help"]))
    }

    @Test("refuses unknown commands and options, missing values and wrong word counts as usage errors")
    func mistakes() {
        let lines: [[String]] = [
            ["lend", "1"], ["borrow", "1", "--weeks", "2"], ["borrow", "1", "--days"], ["borrow"], ["borrow", "1", "2"],
            ["borrows", "--all=yes"], ["book"],
        ]
        for line in lines {
            #expect(throws: ClientError.self, "\(line)") {
                let invocation = try parser.parse(line)
                Issue.record("parsed \(line) as \(invocation)")
            }
        }
        #expect(throws: ClientError.usage("no command 'lend' (stacks help lists them)")) { try parser.parse(["lend"]) }
    }

    @Test("reads ids and bounded numbers, refusing anything else as usage")
    func typedValues() throws {
        let invocation = try parser.parse(["renew", "42", "--days", "31"])
        #expect(try invocation.id(at: 0, "a loan id") == 42)
        #expect(throws: ClientError.usage("--days takes a whole number from 1 to 30, not '31'")) {
            try invocation.integer("--days", in: 1...30)
        }
        #expect(throws: ClientError.usage("a loan id is a positive whole number, not 'x'")) {
            try parser.parse(["return", "x"]).id(at: 0, "a loan id")
        }
        #expect(ClientError.usage("x").exitCode == 2)
    }

    @Test("prints every option of a command in its help")
    func commandHelp() throws {
        let help = try #require(HelpText.text(for: "borrow"))
        #expect(help.hasPrefix("usage: stacks borrow ID [options]"))
        for option in ["--days N", "--name NAME", "--server URL", "--json", "--help"] { #expect(help.contains(option)) }
        #expect(HelpText.text(for: "desk")?.contains("desk checkin BARCODE") == true)
    }
}
