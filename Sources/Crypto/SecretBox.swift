// Authenticated secret-key encryption through libsodium's secretbox (XSalsa20-Poly1305): a
// stored secret that must be read back (a webhook signing secret) is sealed under a server key,
// so a copy of the database alone does not reveal it.
import CSodium

/// Seals and opens small secrets under a 32-byte key.
public struct SecretBox: Sendable {
    private let key: [UInt8]

    /// A box whose key is the SHA-256 of `keyMaterial` (any text of 32 or more bytes).
    public init(keyMaterial: [UInt8]) {
        key = SHA256.hash(keyMaterial)
    }

    /// A random nonce followed by the ciphertext of `message`.
    public func seal(_ message: [UInt8]) -> [UInt8] {
        let nonce = Sodium.randomBytes(Int(crypto_secretbox_NONCEBYTES))
        var sealed = [UInt8](repeating: 0, count: message.count + Int(crypto_secretbox_MACBYTES))
        _ = crypto_secretbox_easy(&sealed, message, UInt64(message.count), nonce, key)
        return nonce + sealed
    }

    /// The message of a sealed box; nil when it was sealed under another key or altered.
    public func open(_ box: [UInt8]) -> [UInt8]? {
        let nonceCount = Int(crypto_secretbox_NONCEBYTES)
        let macCount = Int(crypto_secretbox_MACBYTES)
        guard box.count >= nonceCount + macCount else { return nil }
        let nonce = Array(box[..<nonceCount])
        let sealed = Array(box[nonceCount...])
        var message = [UInt8](repeating: 0, count: sealed.count - macCount)
        guard crypto_secretbox_open_easy(&message, sealed, UInt64(sealed.count), nonce, key) == 0 else { return nil }
        return message
    }
}
