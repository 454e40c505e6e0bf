// JSON written straight into bytes by the types of the hot responses (books, loans, problems, the
// health check). Foundation's JSONEncoder goes through Codable's generic containers and a value
// tree, about a tenth of a worker's time per request; a type that writes itself costs a copy.
// The Encodable form of every JSONWritable type stays the specification: the unit tests compare
// both outputs byte for byte (keys in sorted order, the same string escapes, the same numbers).

/// A value that writes its own JSON, equal byte for byte to `JSONCoding.encode(self)`.
public protocol JSONWritable: Encodable {
    /// Appends this value's JSON to `json`.
    func write(to json: inout JSONWriter)
}

/// Builds JSON text in a byte buffer. Objects are written with `object { … }` and their members
/// with `field`, in sorted key order, as `JSONCoding.encode` sorts them.
public struct JSONWriter {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    /// Whether the next member or element is the first of its container (no comma before it).
    private var first = true

    /// Makes an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// The JSON of one value.
    public static func bytes(of value: some JSONWritable, capacity: Int = 256) -> [UInt8] {
        var json = JSONWriter(capacity: capacity)
        value.write(to: &json)
        return json.bytes
    }

    /// Writes an object whose members `body` writes.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        first = true
        body(&self)
        first = false
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes an array of the values.
    public mutating func array<Values: Sequence>(_ values: Values) where Values.Element: JSONWritable {
        separate()
        bytes.append(UInt8(ascii: "["))
        first = true
        for value in values { value.write(to: &self) }
        first = false
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a member's key; its value must follow.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        first = true
    }

    /// A string member.
    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    /// A string member, `null` when nil.
    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    /// An integer member.
    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        integer(Int64(value))
    }

    /// An integer member.
    public mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        integer(value)
    }

    /// An integer member, `null` when nil.
    public mutating func field(_ name: StaticString, _ value: Int64?) {
        key(name)
        if let value { integer(value) } else { null() }
    }

    /// An integer member, `null` when nil.
    public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { integer(Int64(value)) } else { null() }
    }

    /// A boolean member.
    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        separate()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    /// A member whose value writes itself.
    public mutating func field(_ name: StaticString, _ value: some JSONWritable) {
        key(name)
        value.write(to: &self)
    }

    /// A member whose value writes itself, `null` when nil.
    public mutating func field(_ name: StaticString, _ value: (some JSONWritable)?) {
        key(name)
        if let value { value.write(to: &self) } else { null() }
    }

    /// A string value: quote, backslash and control characters escaped, the rest (`/` and all
    /// non-ASCII included) as it is, as `JSONCoding.encode` writes it.
    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// An integer value.
    public mutating func integer(_ value: Int64) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// `null`.
    public mutating func null() {
        separate()
        bytes.append(contentsOf: Self.nullBytes)
    }

    /// Bytes that are already JSON (e.g. a stored document), appended as they are.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)

    /// A comma unless this is the first member or element of its container.
    private mutating func separate() {
        if first {
            first = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: Array("u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
        }
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    /// Writes the elements as a JSON array.
    public func write(to json: inout JSONWriter) {
        json.array(self)
    }
}
