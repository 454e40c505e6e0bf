// Reads one HTTP/1.x response from bytes as they arrive: the head (1xx heads skipped), then a body
// framed by Transfer-Encoding: chunked, Content-Length, or the end of the connection. Every step
// is linear in the bytes received, and nothing past `limit` bytes is accepted.

/// An incremental response parser.
struct ResponseReader {
    /// The most bytes a response may take on the wire, head included.
    let limit: Int
    /// Bytes received and not yet consumed by a finished head.
    private var buffer: [UInt8] = []
    private var received = 0
    /// Where the search for the end of the head resumes.
    private var headScan = 0
    private var head: (status: Int, headers: [PlainHeader])?
    private var framing: Framing?
    private var chunks = ChunkedDecoder()

    /// How the body ends.
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    /// A reader that refuses responses over `limit` bytes.
    init(limit: Int) {
        self.limit = limit
    }

    /// Takes bytes just received; returns the response once it is complete.
    mutating func take(_ bytes: [UInt8]) throws(PlainHTTPError) -> PlainResponse? {
        received += bytes.count
        guard received <= limit else { throw .responseTooLarge(limit: limit) }
        buffer += bytes
        return try advance()
    }

    /// The connection closed: the response if it is complete now, else the error.
    mutating func finish() throws(PlainHTTPError) -> PlainResponse {
        if let response = try advance() { return response }
        guard let head, framing == .untilClose else {
            throw head == nil && buffer.isEmpty ? .malformedResponse("the connection closed without a response") : .truncated
        }
        return PlainResponse(status: head.status, headers: head.headers, body: buffer)
    }

    private mutating func advance() throws(PlainHTTPError) -> PlainResponse? {
        while head == nil {
            guard let end = headEnd() else {
                guard buffer.count <= 65_536 else { throw .malformedResponse("the response head is longer than 64 KiB") }
                return nil
            }
            let parsed = try Self.parseHead(buffer[..<end])
            buffer.removeSubrange(..<(end + 4))
            headScan = 0
            if (100...199).contains(parsed.status) { continue }  // 100 Continue, 103 Early Hints: the real head follows
            head = parsed
            framing = try Self.framing(status: parsed.status, headers: parsed.headers, limit: limit)
        }
        guard let head, let framing else { return nil }
        switch framing {
        case .none:
            return PlainResponse(status: head.status, headers: head.headers, body: [])
        case .length(let length):
            guard buffer.count >= length else { return nil }
            return PlainResponse(status: head.status, headers: head.headers, body: Array(buffer[..<length]))
        case .chunked:
            guard try chunks.advance(over: buffer) else { return nil }
            return PlainResponse(status: head.status, headers: head.headers, body: chunks.body)
        case .untilClose:
            return nil
        }
    }

    /// The index of the CR of the blank line ending the head, searching only bytes not yet searched.
    private mutating func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        var index = headScan
        while index + 3 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                return index
            }
            index += 1
        }
        headScan = index
        return nil
    }

    /// The status line and header fields.
    static func parseHead(_ bytes: ArraySlice<UInt8>) throws(PlainHTTPError) -> (status: Int, headers: [PlainHeader]) {
        let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
        }
        let statusLine = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1" || statusLine[0] == "HTTP/1.0", statusLine[1].count == 3,
            let status = Int(statusLine[1]), (100...599).contains(status)
        else { throw .malformedResponse("the status line is not HTTP/1.x with a status code") }
        var headers: [PlainHeader] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, !line.first!.isWhitespace else {
                throw .malformedResponse("a header line has no name")
            }
            let value = line[line.index(after: colon)...].trimmingWhitespace
            headers.append(PlainHeader(name: String(line[..<colon]), value: value))
        }
        return (status, headers)
    }

    /// How the body of a response with this status and these headers ends (RFC 9112 section 6.3).
    static func framing(status: Int, headers: [PlainHeader], limit: Int) throws(PlainHTTPError) -> Framing {
        if status == 204 || status == 304 { return .none }
        let encodings = headers.filter { $0.name.lowercased() == "transfer-encoding" }
            .flatMap { $0.value.split(separator: ",").map { $0.trimmingWhitespace.lowercased() } }
        if let last = encodings.last {
            guard last == "chunked" else { return .untilClose }
            return .chunked
        }
        let lengths = Set(
            headers.filter { $0.name.lowercased() == "content-length" }
                .flatMap { $0.value.split(separator: ",").map { $0.trimmingWhitespace } })
        guard let text = lengths.first else { return .untilClose }
        guard lengths.count == 1, !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let length = Int(text)
        else { throw .malformedResponse("Content-Length is not one decimal number") }
        guard length <= limit else { throw .responseTooLarge(limit: limit) }
        return .length(length)
    }
}

/// Decodes a chunked body as it arrives, resuming where the last complete chunk ended.
struct ChunkedDecoder {
    /// The body decoded so far.
    private(set) var body: [UInt8] = []
    /// Where the next chunk's size line starts.
    private var position = 0
    private var inTrailers = false

    /// Decodes what `buffer` (the bytes after the head) holds past the last complete chunk; true
    /// once the last chunk and the trailers are in.
    mutating func advance(over buffer: [UInt8]) throws(PlainHTTPError) -> Bool {
        while true {
            guard let lineEnd = Self.lineEnd(in: buffer, from: position) else {
                guard buffer.count - position <= 4096 else { throw .malformedResponse("a chunk line is longer than 4 KiB") }
                return false
            }
            let line = buffer[position..<lineEnd]
            if inTrailers {
                position = lineEnd + 2
                if line.isEmpty { return true }
                continue
            }
            let sizeText = String(decoding: line.prefix { $0 != 0x3b /* ; */ }, as: UTF8.self).trimmingWhitespace
            guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw .malformedResponse("a chunk size is not hexadecimal")
            }
            if size == 0 {
                position = lineEnd + 2
                inTrailers = true
                continue
            }
            let dataStart = lineEnd + 2
            guard buffer.count >= dataStart + size + 2 else { return false }
            guard buffer[dataStart + size] == 13 && buffer[dataStart + size + 1] == 10 else {
                throw .malformedResponse("a chunk does not end with CRLF")
            }
            body += buffer[dataStart..<(dataStart + size)]
            position = dataStart + size + 2
        }
    }

    private static func lineEnd(in buffer: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingWhitespace: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
