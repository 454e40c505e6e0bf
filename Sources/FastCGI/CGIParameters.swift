// CGI meta-variables exactly as the web server sent them: in order, a repeated name kept (two
// copies of a request header arrive as two HTTP_ variables), and every value valid UTF-8 without
// silent repair: the path and query keep bad bytes as %XX escapes, which their strict decoders
// refuse with a 400.
import Glibc
import HTTP

/// The `NAME=value` variables of one CGI or FastCGI request.
public struct CGIParameters: Sendable {
    /// The variables in the order they came.
    public let pairs: [(name: String, value: String)]

    /// Makes parameters from name–value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// Makes parameters from a dictionary (tests), ordered by name.
    public init(_ dictionary: [String: String]) {
        self.init(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// Reads a NULL-terminated array of `NAME=value` C strings (libfcgi's `envp`, or `environ`).
    public init(entries: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(40)
        var cursor = entries
        while let entry = cursor?.pointee {
            let length = strlen(entry)
            entry.withMemoryRebound(to: UInt8.self, capacity: length + 1) { start in
                let bytes = UnsafeBufferPointer(start: start, count: length)
                guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return }
                let name = Self.text(UnsafeBufferPointer(rebasing: bytes[..<equals]))
                let value = UnsafeBufferPointer(rebasing: bytes[(equals + 1)...])
                // A header value's bad bytes become U+FFFD, which no header the API reads accepts
                // (keys and tokens are ASCII, media types compared whole), so it fails as malformed
                // instead of passing as some other valid value; everything else keeps them as escapes.
                pairs.append((name, name.hasPrefix("HTTP_") ? String(decoding: value, as: UTF8.self) : Self.text(value)))
            }
            cursor = cursor.map { $0 + 1 }
        }
        self.init(pairs)
    }

    /// `text(_:)` for bytes in memory: decoding is the fast path and, when it changed nothing,
    /// the bytes were valid UTF-8.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let decoded = String(decoding: bytes, as: UTF8.self)
        if decoded.utf8.count == bytes.count && decoded.utf8.elementsEqual(bytes) { return decoded }
        return text(Array(bytes))
    }

    /// The first value of a variable, if present.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The bytes as text, with every byte that is not part of valid UTF-8 written as a `%XX`
    /// escape, which the strict percent-decoders of the path and the query refuse with a 400.
    static func text<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        let all = Array(bytes)
        var out: [UInt8] = []
        var parser = Unicode.UTF8.ForwardParser()
        var input = all.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let scalar):
                out += all[offset..<offset + scalar.count]
                offset += scalar.count
            case .error(let length):
                for byte in all[offset..<offset + length] { out += Array(URLEncoding.escape(byte).utf8) }
                offset += length
            case .emptyInput:
                return String(decoding: out, as: UTF8.self)
            }
        }
    }
}
