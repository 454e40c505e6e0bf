// A member's webhook signing secret: made at random, shown once, kept sealed (libsodium secretbox
// under the first of STACKS_WEBHOOK_KEYS, the key's id stored beside it) and opened by the job
// runner to sign each delivery. Sealed rather than hashed: HMAC signing needs the secret itself.
import Crypto

/// A secret as stored: the id of the key that sealed it and the sealed bytes.
struct SealedSecret: Equatable, Sendable {
    let keyID: String
    let box: [UInt8]
}

/// Makes, seals and opens signing secrets with the configured keys.
struct WebhookSecrets {
    let keys: [SealingKey]

    /// Every secret starts so, as Stripe's do, so that people recognise one in a config file.
    static let prefix = "whsec_"

    /// A new secret and its sealed form; nil when no key is configured.
    func make() -> (secret: String, sealed: SealedSecret)? {
        guard let key = keys.first else { return nil }
        let secret = Self.prefix + Base64URL.encode(Sodium.randomBytes(32))
        return (secret, SealedSecret(keyID: key.id, box: SecretBox(keyMaterial: key.secret).seal(Array(secret.utf8))))
    }

    /// The secret inside `sealed`; nil when its key is no longer configured or the box is damaged.
    func open(_ sealed: SealedSecret) -> String? {
        guard let key = keys.first(where: { $0.id == sealed.keyID }),
            let bytes = SecretBox(keyMaterial: key.secret).open(sealed.box)
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `Stacks-Signature` of a delivery, as Stripe signs: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`,
/// the key being the secret's text.
enum WebhookSignature {
    /// The header value for `body` sent at `timestamp` (seconds since 1970).
    static func header(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        return "t=\(timestamp),v1=" + Hex.encode(HMACSHA256.authenticate(signed, key: Array(secret.utf8)))
    }
}
