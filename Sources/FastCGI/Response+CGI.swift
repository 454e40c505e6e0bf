// Response → the CGI response bytes libfcgi forwards to the web server: a `Status:` line,
// the header fields, a blank line and the body (RFC 3875 §6).
import HTTP

extension Response {
    /// The bytes of this response in CGI form; `includeBody` is false for HEAD.
    public func cgiBytes(includeBody: Bool = true) -> [UInt8] {
        var head = "Status: \(status.code) \(status.reason)\r\n"
        for field in headers where field.name.lowercased() != "content-length" {
            head += "\(field.name): \(Self.clean(field.value))\r\n"
        }
        if status.code != 204 && status.code != 304 {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody && status.code != 204 && status.code != 304 { bytes += body }
        return bytes
    }

    /// Header values never carry line breaks into the output (response splitting).
    private static func clean(_ value: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : $0 }))
    }
}
