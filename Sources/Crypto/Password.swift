// Password hashing with argon2id (libsodium `crypto_pwhash_str`). The parameters travel in
// the encoded hash, so they can be raised later and old hashes re-hashed at the next login.
import CSodium

/// argon2id password hashes.
public struct PasswordHasher: Sendable {
    /// Passes over memory (t).
    public let opsLimit: UInt64
    /// Memory in bytes (m).
    public let memLimit: Int

    /// OWASP's minimum for argon2id: m = 19 MiB, t = 2.
    public static let owaspMinimum = PasswordHasher(opsLimit: 2, memLimit: 19 * 1024 * 1024)

    /// Makes a hasher with explicit costs.
    public init(opsLimit: UInt64, memLimit: Int) {
        self.opsLimit = opsLimit
        self.memLimit = memLimit
    }

    /// The encoded hash (`$argon2id$v=19$m=…`), or nil if memory could not be had.
    public func hash(_ password: String) -> String? {
        var output = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let length = UInt64(password.utf8.count)
        let status = password.withCString {
            crypto_pwhash_str_alg(&output, $0, length, opsLimit, memLimit, crypto_pwhash_ALG_ARGON2ID13)
        }
        return status == 0 ? String(nulTerminated: output) : nil
    }

    /// Whether `password` matches the encoded hash.
    public func verify(_ password: String, against encoded: String) -> Bool {
        let length = UInt64(password.utf8.count)
        return password.withCString { crypto_pwhash_str_verify(encoded, $0, length) == 0 }
    }

    /// Whether the encoded hash used other parameters than this hasher's (so it should be redone).
    public func needsRehash(_ encoded: String) -> Bool {
        crypto_pwhash_str_needs_rehash(encoded, opsLimit, memLimit) != 0
    }
}
