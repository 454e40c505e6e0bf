// Case-insensitive field names without lowercased copies: ASCII letters fold, nothing else does.
import HTTP
import Testing

@Suite struct HeadersTests {
    @Test("names compare ignoring ASCII case only")
    func sameName() {
        #expect(Headers.sameName("Content-Type", "content-type"))
        #expect(Headers.sameName("IF-NONE-MATCH", "If-None-Match"))
        #expect(!Headers.sameName("Content-Type", "Content-Typo"))
        #expect(!Headers.sameName("Content-Type", "Content-Type "))
        #expect(!Headers.sameName("a[", "a{"))
        #expect(!Headers.sameName("x@", "x`"))
        #expect(!Headers.sameName("é", "É"))
    }

    @Test("lookup, repeats, set and remove follow the folded name")
    func lookup() {
        var headers = Headers([("Accept", "a"), ("ACCEPT", "b"), ("X-One", "1")])
        #expect(headers["accept"] == "a")
        #expect(headers.values("Accept") == ["a", "b"])
        headers.set("x-one", "2")
        #expect(headers.values("X-ONE") == ["2"])
        headers.remove("aCCEPT")
        #expect(headers["Accept"] == nil)
        #expect(headers.fields.count == 1)
    }
}
