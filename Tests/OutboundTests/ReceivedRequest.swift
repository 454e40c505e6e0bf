// The request a LocalServer received, split into request line, headers and body bytes.
import Foundation

/// One raw HTTP/1.1 request as it arrived on the wire.
struct ReceivedRequest {
    /// The request line, e.g. "POST /x HTTP/1.1".
    let requestLine: String
    /// Header lines as (lower-cased name, value), in arrival order.
    let headers: [(name: String, value: String)]
    /// The body bytes after the blank line.
    let body: [UInt8]

    init?(raw: [UInt8]) {
        guard let end = Self.headEnd(raw) else { return nil }
        let lines = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        requestLine = lines[0]
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            return (line[..<colon].lowercased(), String(value))
        }
        body = Array(raw[(end + 4)...])
    }

    /// The value of the first header called `name` (any case).
    func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }

    /// Whether `raw` holds a whole request: the head and as many body bytes as Content-Length says.
    static func isComplete(_ raw: [UInt8]) -> Bool {
        guard let request = ReceivedRequest(raw: raw) else { return false }
        return request.body.count >= Int(request.header("content-length") ?? "0") ?? 0
    }

    private static func headEnd(_ raw: [UInt8]) -> Int? {
        guard raw.count >= 4 else { return nil }
        return (0...(raw.count - 4)).first { raw[$0] == 13 && raw[$0 + 1] == 10 && raw[$0 + 2] == 13 && raw[$0 + 3] == 10 }
    }
}
