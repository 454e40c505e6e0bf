// A strict RFC 8259 scanner run before Foundation's decoder, which would silently accept
// duplicate keys and unbounded nesting. It refuses those and any NUL character in a string.

/// Why a body was refused by the scanner.
public struct JSONScanError: Error, Equatable {
    /// A sentence for the 400 problem.
    public let reason: String
}

/// Validates JSON text without building it.
public struct JSONScanner {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 32

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Checks that `bytes` are one JSON object and returns its top-level keys.
    public static func topLevelKeys(of bytes: [UInt8]) throws(JSONScanError) -> [String] {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else { throw JSONScanError(reason: "the body must be a JSON object.") }
        let keys = try scanner.object(depth: 1)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.failure("unexpected text after the object") }
        return keys
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

    private mutating func value(depth: Int) throws(JSONScanError) {
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "{"): _ = try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): try number()
        default: throw failure("expected a value")
        }
    }

    private mutating func object(depth: Int) throws(JSONScanError) -> [String] {
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "{"))
        var keys: [String] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return keys }
        while true {
            skipWhitespace()
            let key = try string()
            guard seen.insert(key).inserted else { throw failure("duplicate key '\(key)'") }
            keys.append(key)
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            try value(depth: depth)
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return keys
        }
    }

    private mutating func array(depth: Int) throws(JSONScanError) {
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return }
        while true {
            try value(depth: depth)
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return
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
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() throws(JSONScanError) {
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw JSONScanError(reason: "invalid UTF-8 in a string.")
            }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                try flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flush()
                scalars.append(try escape())
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
