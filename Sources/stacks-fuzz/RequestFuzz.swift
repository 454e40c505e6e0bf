// Fuzz target `request`: the request builder both adapters share. The input has libfcgi's shape:
// `NAME=value` entries each ended by a NUL, then an empty entry, then the body. The entries reach
// `CGIParameters(entries:)` as the C array libfcgi hands over, invalid UTF-8 included.
import FastCGI
import HTTP

/// Parameters and body → `Request`, its headers and its query, with their invariants.
enum RequestFuzz {
    /// Runs one input.
    static func run(_ input: [UInt8]) {
        let (entries, body) = split(input)
        let parameters = withEntries(entries) { CGIParameters(entries: $0) }
        checkParameters(parameters, entries: entries)
        let declared = Request.declaredContentLength(parameters)
        let method = parameters["REQUEST_METHOD"] ?? ""
        let request: Request
        do {
            request = try Request(cgiParameters: parameters, body: body, contentLength: declared ?? -1)
        } catch {
            invariant(method.isEmpty, "refused parameters that have a REQUEST_METHOD")
            return
        }
        invariant(!method.isEmpty, "made a request without REQUEST_METHOD")
        invariant(request.method.rawValue == method.uppercased(), "the method is not the one sent, in upper case")
        invariant(!request.path.isEmpty, "an empty path")
        if let uri = parameters["REQUEST_URI"], !uri.isEmpty {
            let expected = String(decoding: uri.utf8.prefix { $0 != UInt8(ascii: "?") }, as: UTF8.self)
            invariant(request.path == (expected.isEmpty ? "/" : expected), "the path is not REQUEST_URI before '?'")
        }
        invariant(request.rawQuery == parameters["QUERY_STRING"] ?? "", "the query is not QUERY_STRING")
        invariant(request.body == body && request.contentLength == declared ?? -1, "the body or its length changed")
        checkHeaders(request.headers, parameters: parameters)
        checkQuery(request)
    }

    /// The entries up to the first empty one, and the bytes after it as the body.
    static func split(_ input: [UInt8]) -> (entries: [[UInt8]], body: [UInt8]) {
        var entries: [[UInt8]] = []
        var start = input.startIndex
        while start < input.endIndex {
            let end = input[start...].firstIndex(of: 0) ?? input.endIndex
            if end == start { return (entries, Array(input[(start + 1)...])) }
            entries.append(Array(input[start..<end]))
            start = end + 1
        }
        return (entries, [])
    }

    /// Calls `body` with the entries as a NULL-terminated array of C strings.
    private static func withEntries<Result>(
        _ entries: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) -> Result {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: entries.count + 1)
        for (index, entry) in entries.enumerated() {
            let text = UnsafeMutablePointer<CChar>.allocate(capacity: entry.count + 1)
            for (offset, byte) in entry.enumerated() { text[offset] = CChar(bitPattern: byte) }
            text[entry.count] = 0
            array[index] = text
        }
        array[entries.count] = nil
        defer {
            for index in entries.indices { array[index]?.deallocate() }
            array.deallocate()
        }
        return body(array)
    }

    /// One pair per entry with '=', in order; valid UTF-8 kept byte for byte; headers never escaped.
    private static func checkParameters(_ parameters: CGIParameters, entries: [[UInt8]]) {
        let named = entries.filter { $0.contains(UInt8(ascii: "=")) }
        invariant(parameters.pairs.count == named.count, "a parameter was lost or invented")
        for (entry, pair) in zip(named, parameters.pairs) {
            let equals = entry.firstIndex(of: UInt8(ascii: "="))!
            let name = entry[..<equals]
            let value = entry[(equals + 1)...]
            if String(validating: name, as: UTF8.self) != nil {
                invariant(pair.name.utf8.elementsEqual(name), "a valid name changed")
            }
            if pair.name.hasPrefix("HTTP_") {
                invariant(pair.value == String(decoding: value, as: UTF8.self), "a header value is not its UTF-8 decoding")
            } else if String(validating: value, as: UTF8.self) != nil {
                invariant(pair.value.utf8.elementsEqual(value), "a valid value changed")
            } else {
                invariant(pair.value.contains("%"), "invalid UTF-8 was not escaped")
            }
        }
    }

    /// Every HTTP_ variable is a header, in order, with its value; CONTENT_TYPE and CONTENT_LENGTH at most add one each.
    private static func checkHeaders(_ headers: Headers, parameters: CGIParameters) {
        let sent = parameters.pairs.filter { $0.name.hasPrefix("HTTP_") }
        invariant((sent.count...sent.count + 2).contains(headers.fields.count), "headers lost or invented")
        for (pair, field) in zip(sent, headers.fields) {
            invariant(pair.value == field.value, "a header's value changed")
            invariant(field.name.utf8.count == pair.name.utf8.count - 5, "a header's name changed length")
        }
        for field in headers.fields {
            invariant(headers[field.name] != nil, "a header cannot be found by its own name")
            let upper = String(decoding: field.name.utf8.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self)
            invariant(headers[upper] != nil, "header lookup is case-sensitive for ASCII")
        }
    }

    /// The query parses into unique, non-empty names, or is a 400.
    private static func checkQuery(_ request: Request) {
        let query: Query
        do {
            query = try request.query()
        } catch {
            invariant(error.status == .badRequest, "a bad query is not a 400")
            return
        }
        let names = query.items.map(\.name)
        invariant(Set(names).count == names.count && !names.contains(""), "a repeated or empty parameter name")
        for item in query.items { invariant(query.get(item.name) == item.value, "get does not find a parameter") }
        let parts = request.rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
        invariant(query.items.count == parts.count, "\(parts.count) parameters read as \(query.items.count)")
    }
}
