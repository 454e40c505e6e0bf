// Request JSON: strictness (syntax, depth, duplicate keys, NUL, unknown fields) is 400;
// well-formed JSON with a wrong type is 422 with a JSON Pointer.
import HTTP
import Testing

struct Sample: Decodable, Equatable {
    let title: String
    let copies: Int?
    let tags: [String]?
}

@Suite struct JSONCodingTests {
    let fields: Set<String> = ["title", "copies", "tags"]

    func decode(_ text: String) throws(Problem) -> Sample {
        try JSONCoding.decode(Sample.self, from: Array(text.utf8), allowedFields: fields)
    }

    @Test("decodes a valid object, escapes included")
    func valid() throws {
        let sample = try decode(#"{"title": "Caf\u00e9 \ud83d\ude00 \"q\"", "copies": 2, "tags": ["a", "b"]}"#)
        #expect(sample == Sample(title: "Café 😀 \"q\"", copies: 2, tags: ["a", "b"]))
    }

    @Test(
        "answers 400 for malformed or unacceptable JSON",
        arguments: [
            "", "{", "[]", "\"text\"", "{\"title\": \"a\",}", "{\"title\": 'a'}", "{\"title\": \"a\"} x",
            "{\"title\": \"a\", \"title\": \"b\"}", "{\"title\": \"a\\u0000b\"}", "{\"title\": \"\\ud800\"}",
            "{\"title\": \"a\", \"colour\": \"red\"}", "{\"title\": \"a\u{01}\"}", "{\"title\": 01}", "{\"title\": -}",
        ])
    func badRequest(text: String) {
        do {
            _ = try decode(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.status == .badRequest)
        }
    }

    @Test("refuses nesting deeper than the limit and accepts it at the limit")
    func depth() throws {
        let deep = String(repeating: "[", count: JSONScanner.maxDepth) + String(repeating: "]", count: JSONScanner.maxDepth)
        let tooDeep = "[" + deep + "]"
        #expect(throws: JSONScanError.self) { try JSONScanner.topLevelKeys(of: Array("{\"tags\": \(tooDeep)}".utf8)) }
        let atLimit =
            String(repeating: "[", count: JSONScanner.maxDepth - 1) + String(repeating: "]", count: JSONScanner.maxDepth - 1)
        #expect(try JSONScanner.topLevelKeys(of: Array("{\"tags\": \(atLimit)}".utf8)) == ["tags"])
    }

    @Test("answers 422 with a pointer for a wrong type or a missing field")
    func validation() {
        do {
            _ = try decode(#"{"title": 5}"#)
            Issue.record("accepted a number title")
        } catch {
            #expect(error.status == .unprocessableContent)
            #expect(error.errors == [FieldError(pointer: "/title", detail: "must be a string")])
        }
        do {
            _ = try decode(#"{"copies": 1}"#)
            Issue.record("accepted a missing title")
        } catch {
            #expect(error.errors == [FieldError(pointer: "/title", detail: "is required")])
        }
        do {
            _ = try decode(#"{"title": "a", "tags": ["x", 3]}"#)
            Issue.record("accepted a number tag")
        } catch {
            #expect(error.errors.first?.pointer == "/tags/1")
        }
    }

    // Regression: Foundation refuses a number it cannot hold as "The given data was not valid
    // JSON." with no path, which became a 422 saying so with the pointer "".
    @Test(
        "answers 422 naming the member whose number does not fit",
        arguments: ["1e400", "-1e400", "1.5", "99999999999999999999", "9223372036854775808", "-9223372036854775809"])
    func unrepresentableNumber(number: String) {
        do {
            _ = try decode(#"{"title": "a", "copies": \#(number)}"#)
            Issue.record("accepted \(number)")
        } catch {
            #expect(error.status == .unprocessableContent)
            let detail = "is a number out of range, or not a whole number where one is expected"
            #expect(error.errors == [FieldError(pointer: "/copies", detail: detail)])
        }
    }

    // Regression: the 400 listed every unknown key (60,000 keys gave a 1.18 MB error).
    @Test("names a few unknown fields and counts the rest")
    func unknownFieldsBounded() {
        let keys = (0..<60_000).map { "\"k\($0)\": 1" }.joined(separator: ", ")
        do {
            _ = try decode("{\"title\": \"a\", \(keys)}")
            Issue.record("expected a 400")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.detail.contains("'k0', 'k1', 'k2', 'k3', 'k4' and 59995 more"))
            #expect(error.detail.utf8.count < 300)
        }
    }

    @Test("cuts a long unknown name")
    func longNameCut() {
        #expect(NameList.quoted([String(repeating: "x", count: 100_000)]) == "'" + String(repeating: "x", count: 40) + "…'")
    }
}
