// Percent-encoding and -decoding: the fast paths (nothing to do) and the slow ones agree with the
// byte-by-byte rules, and decode(component(x)) gives x back.
import HTTP
import Testing

@Suite struct PercentEncodingTests {
    @Test("encodes all but the unreserved characters, as UTF-8 bytes")
    func component() {
        #expect(URLEncoding.component("abc-._~XYZ019") == "abc-._~XYZ019")
        #expect(URLEncoding.component("a b/c?d") == "a%20b%2Fc%3Fd")
        #expect(URLEncoding.component("é") == "%C3%A9")
        #expect(URLEncoding.component("") == "")
        #expect(URLEncoding.component("%") == "%25")
    }

    @Test("decodes escapes, refuses bad ones, NUL and invalid UTF-8")
    func decode() {
        #expect(PercentDecoding.decode("plain") == "plain")
        #expect(PercentDecoding.decode("a%20b") == "a b")
        #expect(PercentDecoding.decode("a+b") == "a+b")
        #expect(PercentDecoding.decode("a+b", plusIsSpace: true) == "a b")
        #expect(PercentDecoding.decode("%C3%A9") == "é")
        #expect(PercentDecoding.decode("%C3") == nil)
        #expect(PercentDecoding.decode("%zz") == nil)
        #expect(PercentDecoding.decode("%2") == nil)
        #expect(PercentDecoding.decode("%00") == nil)
        #expect(PercentDecoding.decode("a\u{0}b") == nil)
    }

    @Test("round-trips through component and decode", arguments: ["", "x", "a b", "100%", "ü/ö?&=#", "📚 + 🐛", "~-._"])
    func roundTrip(text: String) {
        #expect(PercentDecoding.decode(URLEncoding.component(text)) == text)
    }
}
