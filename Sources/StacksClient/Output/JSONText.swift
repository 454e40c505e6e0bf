// JSON as the client writes it: request bodies compact, `--json` output pretty with sorted keys
// (the order the server writes them in) and slashes left alone.
import Foundation
import StacksWire

/// Encodes values as JSON text.
public enum JSONText {
    /// `value` as a compact JSON body.
    public static func encode<Value: Encodable>(_ value: Value) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }

    /// `value` as indented JSON for `--json`.
    public static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
