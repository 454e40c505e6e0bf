// CGI parameter maps → Request, as a table: what nginx, fcgiwrap or a test sends must give
// the same request value.
import Glibc
import HTTP
import Testing

@testable import FastCGI

@Suite struct RequestCGITests {
    struct Case: Sendable, CustomTestStringConvertible {
        let parameters: [String: String]
        let method: String
        let path: String
        let query: String
        let headers: [String: String]
        let requestID: String
        var testDescription: String { "\(method) \(path)?\(query)" }
    }

    static let cases: [Case] = [
        Case(
            parameters: [
                "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/books?limit=5", "QUERY_STRING": "limit=5",
                "HTTP_ACCEPT": "application/json", "REQUEST_ID": "r1",
            ],
            method: "GET", path: "/api/books", query: "limit=5", headers: ["Accept": "application/json"], requestID: "r1"),
        Case(
            parameters: [
                "REQUEST_METHOD": "post", "REQUEST_URI": "/api/books/1/borrow", "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": "2", "HTTP_IDEMPOTENCY_KEY": "k-1", "HTTP_X_REQUEST_ID": "r2",
            ],
            method: "POST", path: "/api/books/1/borrow", query: "",
            headers: ["Content-Type": "application/json", "Content-Length": "2", "Idempotency-Key": "k-1", "X-Request-Id": "r2"],
            requestID: "r2"),
        Case(
            parameters: ["REQUEST_METHOD": "GET", "SCRIPT_NAME": "/api", "PATH_INFO": "/health", "QUERY_STRING": ""],
            method: "GET", path: "/api/health", query: "", headers: [:], requestID: ""),
        Case(
            parameters: [
                "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/books/%31", "HTTP_IF_NONE_MATCH": "\"abc\"",
                "HTTP_AUTHORIZATION": "Bearer t",
            ],
            method: "GET", path: "/api/books/%31", query: "", headers: ["If-None-Match": "\"abc\"", "Authorization": "Bearer t"],
            requestID: ""),
        Case(parameters: ["REQUEST_METHOD": "DELETE"], method: "DELETE", path: "/", query: "", headers: [:], requestID: ""),
    ]

    @Test("builds the request from CGI meta-variables", arguments: cases)
    func builds(_ example: Case) throws {
        let request = try Request(cgiParameters: CGIParameters(example.parameters), body: [], contentLength: 0)
        #expect(request.method.rawValue == example.method)
        #expect(request.path == example.path)
        #expect(request.rawQuery == example.query)
        #expect(request.requestID == example.requestID)
        #expect(request.headers.fields.count == example.headers.count)
        for (name, value) in example.headers {
            #expect(request.headers[name] == value, "header \(name)")
        }
    }

    // Regression (found while fuzzing): REQUEST_URI was cut at the Character '?', which a scalar like
    // U+0603 before it glues into one grapheme, so the query stayed in the path; nginx cuts at the byte.
    @Test("cuts REQUEST_URI at the first '?' byte, whatever scalar comes before it")
    func cutsAtQuestionMarkByte() throws {
        let parameters = CGIParameters(["REQUEST_METHOD": "GET", "REQUEST_URI": "/api/books\u{603}?q=1", "QUERY_STRING": "q=1"])
        let request = try Request(cgiParameters: parameters, body: [], contentLength: 0)
        #expect(request.path == "/api/books\u{603}")
        #expect(request.rawQuery == "q=1")
    }

    @Test(
        "reads CONTENT_LENGTH, refusing what is not a length",
        arguments: [
            ("12", 12 as Int?), ("", 0), ("-1", nil), ("x", nil), ("0", 0),
        ])
    func contentLength(text: String, expected: Int?) {
        #expect(Request.declaredContentLength(CGIParameters(["CONTENT_LENGTH": text])) == expected)
    }

    // Regression: the worker kept only the last of two copies of a header, so two
    // Idempotency-Key headers silently became one.
    @Test("keeps a repeated header as two fields, in the order sent")
    func repeatedHeader() throws {
        let parameters = CGIParameters([
            ("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/api/books/1/borrow"), ("HTTP_IDEMPOTENCY_KEY", "b"),
            ("HTTP_IDEMPOTENCY_KEY", "a"),
        ])
        let request = try Request(cgiParameters: parameters, body: [], contentLength: 0)
        #expect(request.headers.values("Idempotency-Key") == ["b", "a"])
    }

    @Test("takes Content-Type once when the server passes it both as CONTENT_TYPE and HTTP_CONTENT_TYPE")
    func contentTypeOnce() throws {
        let parameters = CGIParameters([
            ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "2"), ("HTTP_CONTENT_TYPE", "application/json"),
            ("HTTP_CONTENT_LENGTH", "2"), ("REQUEST_METHOD", "POST"),
        ])
        let request = try Request(cgiParameters: parameters, body: [], contentLength: 2)
        #expect(request.headers.values("Content-Type") == ["application/json"])
        #expect(request.headers.values("Content-Length") == ["2"])
    }

    // Regression: invalid UTF-8 in the query string was repaired (U+FFFD) instead of refused.
    @Test(
        "writes bytes that are not UTF-8 as %XX escapes, keeping valid text as it is",
        arguments: [
            (Array("QUERY_STRING=q=caf\u{E9}".utf8), "q=café"),
            (Array("QUERY_STRING=q=".utf8) + [0xFF, 0x61], "q=%FFa"),
            (Array("QUERY_STRING=".utf8) + [0xC3, 0x28, 0xE2, 0x82], "%C3(%E2%82"),
        ])
    func invalidUTF8(entry: [UInt8], expected: String) {
        #expect(parameter(entry, "QUERY_STRING") == expected)
    }

    @Test("reads a header value that is not UTF-8 with U+FFFD, never as an escape that another value could equal")
    func invalidUTF8Header() {
        #expect(parameter(Array("HTTP_IDEMPOTENCY_KEY=k".utf8) + [0xFF], "HTTP_IDEMPOTENCY_KEY") == "k\u{FFFD}")
    }

    private func parameter(_ entry: [UInt8], _ name: String) -> String? {
        var bytes = entry.map { CChar(bitPattern: $0) } + [0]
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var entries: [UnsafeMutablePointer<CChar>?] = [buffer.baseAddress, nil]
            return entries.withUnsafeMutableBufferPointer { list in CGIParameters(entries: list.baseAddress)[name] }
        }
    }
}

@Suite struct HeaderNameTests {
    @Test("CGI variable names become header names word by word")
    func names() {
        #expect(Request.headerName("IF_NONE_MATCH") == "If-None-Match")
        #expect(Request.headerName("X_REQUEST_ID") == "X-Request-Id")
        #expect(Request.headerName("ACCEPT") == "Accept")
        #expect(Request.headerName("A__B") == "A--B")
        #expect(Request.headerName("X_1A") == "X-1a")
    }
}

@Suite struct CGIEntriesTests {
    /// `NAME=value` C strings as libfcgi hands them over, freed after `body`.
    func withEntries<R>(_ entries: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = entries.map { bytes in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            return copy
        }
        defer { pointers.forEach { $0?.deallocate() } }
        var array = pointers + [nil]
        return array.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    @Test("reads entries in order, repeats kept; bad bytes become escapes, in headers U+FFFD")
    func entries() {
        let parameters = withEntries([
            Array("REQUEST_URI=/api/b\u{00FC}cher".utf8), Array("QUERY_STRING=q=".utf8) + [0xFF, 0x41],
            Array("HTTP_ACCEPT=a".utf8), Array("HTTP_ACCEPT=".utf8) + [0xC3], Array("NO_EQUALS".utf8), Array("EMPTY=".utf8),
        ]) { CGIParameters(entries: $0) }
        #expect(parameters.pairs.map(\.name) == ["REQUEST_URI", "QUERY_STRING", "HTTP_ACCEPT", "HTTP_ACCEPT", "EMPTY"])
        #expect(parameters["REQUEST_URI"] == "/api/b\u{00FC}cher")
        #expect(parameters["QUERY_STRING"] == "q=%FFA")
        #expect(parameters.pairs[3].value == "\u{FFFD}")
        #expect(parameters["EMPTY"] == "")
    }
}
