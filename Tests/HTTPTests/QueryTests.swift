// Query strings: decoding, repeats, unknown names and typed getters all fail with 400.
import HTTP
import Testing

@Suite struct QueryTests {
    @Test("decodes escapes and plus signs")
    func decodes() throws {
        let query = try Query(parsing: "q=domain+driven%20design&author=Fowler%2C+M&empty=")
        #expect(query.get("q") == "domain driven design")
        #expect(query.get("author") == "Fowler, M")
        #expect(query.get("empty") == "")
        #expect(query.get("missing") == nil)
    }

    // Regression (found by deploy/fuzz cursor): the string was split on the Characters '&' and '=',
    // and U+0603 (a prepended concatenation mark) or a combining mark after '=' makes one grapheme of
    // itself and the delimiter, so `q=\u{603}&cursor=x` was one parameter q whose value held the cursor.
    @Test(
        "splits on every '&' and '=' byte, whatever scalar comes before or after it",
        arguments: [
            ("q=\u{603}&cursor=x", ["q", "\u{603}", "cursor", "x"]), ("q\u{603}=a&cursor=x", ["q\u{603}", "a", "cursor", "x"]),
            ("q=a&\u{301}cursor=x", ["q", "a", "\u{301}cursor", "x"]),
        ])
    func splitsOnDelimiterBytes(raw: String, expected: [String]) throws {
        #expect(try Query(parsing: raw).items.flatMap { [$0.name, $0.value] } == expected)
    }

    @Test("refuses a repeated parameter")
    func repeated() {
        #expect(throws: Problem.self) { try Query(parsing: "limit=1&limit=2") }
    }

    @Test("refuses malformed escapes", arguments: ["q=%", "q=%4", "q=%GG", "%zz=1", "q=%00"])
    func malformed(raw: String) {
        #expect(throws: Problem.badRequest("The query string is not correctly percent-encoded.")) { try Query(parsing: raw) }
    }

    @Test("refuses unknown parameters, naming them")
    func unknown() throws {
        let query = try Query(parsing: "limit=5&colour=red")
        do {
            try query.allowOnly(["limit", "cursor"])
            Issue.record("expected a 400")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.detail.contains("'colour'"))
        }
        try query.allowOnly(["limit", "colour"])
    }

    @Test("reads integers only within range", arguments: ["0", "101", "ten", "5.0", ""])
    func integerOutOfRange(value: String) throws {
        let query = try Query(parsing: "limit=\(value)")
        #expect(throws: Problem.self) { try query.integer("limit", in: 1...100) }
    }

    @Test("reads booleans as exactly true or false")
    func booleans() throws {
        #expect(try Query(parsing: "a=true").boolean("a") == true)
        #expect(try Query(parsing: "a=false").boolean("a") == false)
        #expect(throws: Problem.self) { try Query(parsing: "a=1").boolean("a") }
        #expect(throws: Problem.self) { try Query(parsing: "").require("a") }
    }

    enum Colour: String, CaseIterable { case red, green }

    @Test("reads one case of an enumeration by name, and lists the cases when the value is none of them")
    func oneOf() throws {
        #expect(try Query(parsing: "c=green").oneOf("c", Colour.self) == .green)
        #expect(try Query(parsing: "").oneOf("c", Colour.self) == nil)
        #expect(throws: Problem.badRequest("The query parameter 'c' must be one of red, green.")) {
            try Query(parsing: "c=blue").oneOf("c", Colour.self)
        }
    }
}
