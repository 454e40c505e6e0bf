// JSON string literals for text put together by hand (RFC 8259 §7), such as the request log line:
// the escaping is JSONWriter's, so both write the same bytes.

/// Writes JSON text.
public enum JSONText {
    /// `text` as a JSON string literal: quote, backslash and control characters escaped, the
    /// rest (UTF-8, `/` included) as it is — the same output as `JSONCoding.encode`.
    public static func quoted(_ text: String) -> String {
        var json = JSONWriter(capacity: text.utf8.count + 2)
        json.string(text)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
