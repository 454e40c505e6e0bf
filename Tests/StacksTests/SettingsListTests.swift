// One list of settings: the names Config accepts are exactly the names deploy/stacks.env.example
// lists, every one of them is in the README, and the example's values are Config's defaults.
import Foundation
import Testing

@testable import Stacks

@Suite struct SettingsListTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `NAME='value'` lines of the example, commented out or not, in order.
    static func example() throws -> [(name: String, value: String)] {
        let text = try String(contentsOf: root.appendingPathComponent("deploy/stacks.env.example"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            var line = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { line = line.dropFirst().trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "="), line.hasPrefix("STACKS_") else { return nil }
            let name = String(line[..<equals])
            guard name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { return nil }
            var value = String(line[line.index(after: equals)...])
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (name, value)
        }
    }

    @Test("the example lists exactly the names Config accepts")
    func sameNames() throws {
        let listed = Set(try Self.example().map(\.name))
        #expect(listed == Config.workerNames.union(Config.deploymentNames))
    }

    @Test("the README's settings table has a row for every setting, with the example's default")
    func readme() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `STACKS_") }
        let named = Set(rows.compactMap { $0.split(separator: "`").dropFirst().first.map(String.init) })
        #expect(named == Config.workerNames.union(Config.deploymentNames))
        for (name, value) in try Self.example() where !value.isEmpty && !value.hasPrefix("/") {
            let row = "| `\(name)` | `\(value)` |"
            #expect(rows.contains { $0.hasPrefix(row) }, "README's row of \(name) lacks the default \(value)")
        }
    }

    @Test("the example's worker values are Config's defaults")
    func defaults() throws {
        let key = "k1:" + String(repeating: "s", count: 32)
        var environment = ["STACKS_JWT_KEYS": key]
        for (name, value) in try Self.example() where Config.workerNames.contains(name) && name != "STACKS_JWT_KEYS" {
            environment[name] = value
        }
        #expect(try Config(environment: environment) == Config(environment: ["STACKS_JWT_KEYS": key]))
    }
}
