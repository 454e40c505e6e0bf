// How values of the API's JSON read in a table cell or a sentence: strings as they are, numbers,
// yes/no, lists joined with commas, "-" for null or absent, and timestamps as "2026-12-20 14:05"
// (UTC, as the server gives them).
import StacksWire

extension JSONValue {
    /// The member `key` as cell text.
    public func text(_ key: String) -> String {
        member(key)?.cell ?? "-"
    }

    /// The member `key`, a timestamp, shortened to the minute.
    public func time(_ key: String) -> String {
        guard let stamp = string(key) else { return "-" }
        return Self.minute(stamp)
    }

    /// The value as cell text.
    public var cell: String {
        switch self {
        case .null: "-"
        case .bool(let value): value ? "yes" : "no"
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .string(let value): value
        case .array(let values): values.map(\.cell).joined(separator: ", ")
        case .object: "{…}"
        }
    }

    /// The elements of an array value; empty for anything else.
    public var elements: [JSONValue] {
        guard case .array(let values) = self else { return [] }
        return values
    }

    /// An RFC 3339 timestamp as `YYYY-MM-DD HH:MM`; other text unchanged.
    public static func minute(_ stamp: String) -> String {
        let characters = Array(stamp)
        guard characters.count >= 16, characters[10] == "T" else { return stamp }
        return String(characters[0..<10]) + " " + String(characters[11..<16])
    }

    /// The members of a (nested) object as `a.b` names and cell texts, in key order.
    public func flattened(prefix: String = "") -> [(name: String, value: String)] {
        guard case .object(let members) = self else { return [(prefix, cell)] }
        return members.keys.sorted().flatMap { key -> [(name: String, value: String)] in
            let name = prefix.isEmpty ? key : prefix + "." + key
            if case .object = members[key] { return members[key]!.flattened(prefix: name) }
            return [(name, members[key]!.cell)]
        }
    }
}
