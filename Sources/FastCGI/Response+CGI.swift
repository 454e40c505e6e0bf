// Response → the CGI response bytes libfcgi forwards to the web server: a `Status:` line,
// the header fields, a blank line and the body (RFC 3875 §6).
import HTTP

extension Response {
    /// The bytes of this response in CGI form; `includeBody` is false for HEAD.
    public func cgiBytes(includeBody: Bool = true) -> [UInt8] {
        let hasBody = status.code != 204 && status.code != 304
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + (includeBody && hasBody ? body.count : 0))
        bytes.append(contentsOf: "Status: \(status.code) \(status.reason)\r\n".utf8)
        for field in headers where !Headers.sameName(field.name, "Content-Length") {
            Self.appendClean(field.name, to: &bytes)
            bytes.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            Self.appendClean(field.value, to: &bytes)
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        if hasBody {
            bytes.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
        if includeBody && hasBody { bytes.append(contentsOf: body) }
        return bytes
    }

    /// Header text never carries line breaks into the output (response splitting): CR and LF
    /// become spaces. Bytes, not Characters: "\r\n" is one Character and would slip past a Character
    /// test, and CR and LF never occur inside a multi-byte UTF-8 sequence.
    private static func appendClean(_ text: String, to bytes: inout [UInt8]) {
        for byte in text.utf8 { bytes.append(byte == 0x0D || byte == 0x0A ? UInt8(ascii: " ") : byte) }
    }
}
