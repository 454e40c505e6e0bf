// A strict RFC 8259 scanner run before Foundation's decoder, which would silently accept
// duplicate keys and unbounded nesting. It refuses those and any NUL character in a string.

/// Why a body was refused by the scanner.
public struct JSONScanError: Error, Equatable {
    /// A sentence for the 400 problem.
    public let reason: String
}

/// A scanned value: scalars and arrays of strings as they are, anything else only as `other`.
public enum JSONScalar: Sendable, Equatable {
    case string(String)
    /// A number, as its JSON text.
    case number(String)
    case bool(Bool)
    case null
    case strings([String])
    /// An object, or an array that holds anything but strings.
    case other
}

/// Validates JSON text, keeping only the top level's scalar values.
public struct JSONScanner {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 32

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Checks that `bytes` are one JSON object and returns its top-level keys.
    public static func topLevelKeys(of bytes: [UInt8]) throws(JSONScanError) -> [String] {
        try topLevelMembers(of: bytes).map(\.key)
    }

    /// Checks that `bytes` are one JSON object and returns its top-level members, in order, with
    /// their values as far as `JSONScalar` keeps them.
    public static func topLevelMembers(of bytes: [UInt8]) throws(JSONScanError) -> [(key: String, value: JSONScalar)] {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else { throw JSONScanError(reason: "the body must be a JSON object.") }
        let members = try scanner.object(depth: 1)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.failure("unexpected text after the object") }
        return members
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func failure(_ what: String) -> JSONScanError {
        JSONScanError(reason: "\(what) at byte \(index).")
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(JSONScanError) {
        guard peek == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func value(depth: Int) throws(JSONScanError) -> JSONScalar {
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "{"):
            _ = try object(depth: depth + 1)
            return .other
        case UInt8(ascii: "["):
            let elements = try array(depth: depth + 1)
            var strings: [String] = []
            for element in elements {
                guard case .string(let text) = element else { return .other }
                strings.append(text)
            }
            return .strings(strings)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte):
            let start = index
            try number()
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        default: throw failure("expected a value")
        }
    }

    private mutating func object(depth: Int) throws(JSONScanError) -> [(key: String, value: JSONScalar)] {
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "{"))
        var members: [(key: String, value: JSONScalar)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return members }
        while true {
            skipWhitespace()
            let key = try string()
            // Small objects (a token's claims) are searched; a large one hashes, so a body of many keys stays linear.
            let duplicate: Bool
            if members.count < 16 {
                duplicate = members.contains { $0.key == key }
            } else {
                if seen.isEmpty { seen = Set(members.map(\.key)) }
                duplicate = !seen.insert(key).inserted
            }
            guard !duplicate else { throw failure("duplicate key '\(key)'") }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return members
        }
    }

    private mutating func array(depth: Int) throws(JSONScanError) -> [JSONScalar] {
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "["))
        var elements: [JSONScalar] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return elements }
        while true {
            elements.append(try value(depth: depth))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return elements
        }
    }

    private mutating func literal(_ word: String) throws(JSONScanError) {
        for byte in word.utf8 { try expect(byte) }
    }

    private mutating func digits() throws(JSONScanError) {
        guard let byte = peek, (0x30...0x39).contains(byte) else { throw failure("expected a digit") }
        while let byte = peek, (0x30...0x39).contains(byte) { index += 1 }
    }

    private mutating func number() throws(JSONScanError) {
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") { index += 1 } else { try digits() }
        if peek == UInt8(ascii: ".") { index += 1; try digits() }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    /// Scans a string and returns it decoded, refusing control characters, NUL and bad escapes.
    private mutating func string() throws(JSONScanError) -> String {
        try expect(UInt8(ascii: "\""))
        var raw: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: raw, as: UTF8.self) else {
                    throw JSONScanError(reason: "invalid UTF-8 in a string.")
                }
                return text
            case UInt8(ascii: "\\"):
                raw.append(contentsOf: UTF8.encode(try escape())!)
            case 0x00..<0x20:
                throw failure("unescaped control character in a string")
            default:
                raw.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func escape() throws(JSONScanError) -> Unicode.Scalar {
        guard let byte = peek else { throw failure("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if unit == 0 { throw failure("the NUL character (\\u0000) is not accepted") }
            if (0xD800...0xDBFF).contains(unit) {
                try expect(UInt8(ascii: "\\"))
                try expect(UInt8(ascii: "u"))
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw failure("unpaired surrogate") }
            return scalar
        default:
            throw failure("invalid escape")
        }
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }

    private mutating func hex4() throws(JSONScanError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = Self.hexDigit(byte) else { throw failure("invalid \\u escape") }
            index += 1
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
