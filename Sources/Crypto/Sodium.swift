// libsodium set-up, random bytes and the encodings every other Crypto file shares
// (URL-safe Base64 without padding, lower-case hex).
import CSodium

/// Process-wide libsodium initialisation and random bytes.
public enum Sodium {
    /// Initialises libsodium; returns false if it cannot be used. Safe to call more than once.
    @discardableResult
    public static func initialize() -> Bool { sodium_init() >= 0 }

    /// `count` bytes from the operating system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 { bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) } }
        return bytes
    }

    /// A random URL-safe token carrying `bytes` bytes of entropy.
    public static func randomToken(bytes: Int = 32) -> String {
        Base64URL.encode(randomBytes(bytes))
    }
}

/// URL-safe Base64 without padding (RFC 4648 §5), as JWTs and tokens use.
public enum Base64URL {
    /// Encodes bytes.
    public static func encode(_ bytes: [UInt8]) -> String {
        let variant = Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        var output = [CChar](repeating: 0, count: sodium_base64_encoded_len(bytes.count, variant))
        bytes.withUnsafeBufferPointer { input in
            _ = sodium_bin2base64(&output, output.count, input.baseAddress, input.count, variant)
        }
        return String(nulTerminated: output)
    }

    /// Decodes text, or nil if it is not exactly URL-safe unpadded Base64.
    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 3 / 4 + 3)
        var length = 0
        var end: UnsafePointer<CChar>? = nil
        let status = input.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                sodium_base642bin(
                    &output, output.count, chars.baseAddress, chars.count, nil, &length, &end,
                    Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING))
            }
        }
        guard status == 0, length <= output.count else { return nil }
        // The whole input must have been consumed.
        let consumed = input.withUnsafeBufferPointer { buffer in
            end.map { UnsafeRawPointer($0) - UnsafeRawPointer(buffer.baseAddress!) } ?? -1
        }
        guard consumed == input.count || input.isEmpty else { return nil }
        return Array(output[0..<length])
    }
}

/// Lower-case hexadecimal.
public enum Hex {
    /// Encodes bytes as lower-case hex.
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even-length hex string (either case); nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 2 == 0 else { return nil }
        var output = [UInt8](repeating: 0, count: input.count / 2)
        var length = 0
        guard sodium_hex2bin(&output, output.count, text, input.count, nil, &length, nil) == 0, length == output.count else {
            return nil
        }
        return output
    }
}

extension String {
    /// The text of a NUL-terminated C character buffer.
    init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
