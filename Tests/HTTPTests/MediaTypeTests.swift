// Content-Type values: the media type is compared whole, never by prefix.
import HTTP
import Testing

@Suite struct MediaTypeTests {
    // Regression: `Content-Type: application/jsonfoo` was taken for JSON (a prefix test).
    @Test(
        "reads the type/subtype, without parameters, in lower case",
        arguments: [
            ("application/json", "application/json"), ("Application/JSON; charset=utf-8", "application/json"),
            (" application/json ;q=1", "application/json"), ("application/jsonfoo", "application/jsonfoo"),
            ("application/json-patch+json", "application/json-patch+json"), ("", ""),
        ])
    func essence(value: String, expected: String) {
        #expect(MediaType.essence(of: value) == expected)
    }
}

@Suite struct OptionalWhitespaceTests {
    @Test(
        "trims spaces and tabs at both ends only",
        arguments: [(" \tBearer x \t", "Bearer x"), ("a b", "a b"), ("", ""), (" \t ", ""), ("\u{A0}x", "\u{A0}x")])
    func trims(text: String, expected: String) {
        #expect(text.trimmingOptionalWhitespace == expected)
    }
}
