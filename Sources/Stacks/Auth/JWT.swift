// HS256 JSON Web Tokens (RFC 7519) with their verification rules pinned (RFC 8725): alg must be
// exactly HS256, typ JWT, the kid one of ours, the signature compared in constant time, and
// iss/aud/exp/nbf checked with a leeway. HMAC comes from libsodium via Crypto.
import Crypto
import Foundation
import HTTP

/// Why a token was refused; the client only ever sees "invalid token".
package struct TokenRejection: Error, Equatable, CustomStringConvertible {
    /// The reason, for logs and tests.
    package let description: String
}

/// The claims Stacks puts in an access token.
package struct AccessClaims: Codable, Equatable, Sendable {
    package let iss: String
    package let aud: String
    package let sub: String
    package let iat: Int
    package let nbf: Int
    package let exp: Int
    package let jti: String
    package let scope: String
    package let role: String
    /// The refresh family (session) the token was issued in, if any.
    package let sid: String?
}

/// Signs and verifies HS256 tokens with a key set.
package struct TokenSigner: Sendable {
    /// The keys; the first signs, all verify.
    let keys: [JWTKey]
    /// The expected issuer (nil: not checked, for foreign test vectors only).
    let issuer: String?
    /// The expected audience (nil: not checked, for foreign test vectors only).
    let audience: String?
    /// Allowed clock difference in seconds.
    let leeway: Int = 30

    /// Makes a signer; `issuer` and `audience` nil skip those checks (foreign test vectors only).
    package init(keys: [JWTKey], issuer: String?, audience: String?) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    private struct Header: Codable {
        let alg: String
        let typ: String?
        let kid: String?
    }

    /// A signed compact token for `claims`, with the first key's kid.
    package func sign<Claims: Encodable>(_ claims: Claims) -> String {
        let key = keys[0]
        let header = Base64URL.encode(JSONCoding.encode(Header(alg: "HS256", typ: "JWT", kid: key.id)))
        let payload = Base64URL.encode(JSONCoding.encode(claims))
        let signature = HMACSHA256.authenticate(Array("\(header).\(payload)".utf8), key: key.secret)
        return "\(header).\(payload).\(Base64URL.encode(signature))"
    }

    /// The verified payload bytes of a compact token, checked against `now`.
    package func verify(_ token: String, now: Date) throws(TokenRejection) -> [UInt8] {
        try verified(token, now: now).payload
    }

    /// The verified payload of a compact token and its top-level claims. The header and the
    /// payload are read by the strict scanner (no duplicate keys, bounded depth), once each.
    private func verified(_ token: String, now: Date) throws(TokenRejection) -> (payload: [UInt8], claims: Claims) {
        // Split as bytes: a token is ASCII, and Character-wise splitting paid for grapheme breaking.
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { Substring($0) }
        guard parts.count == 3, token.utf8.count <= 8192 else { throw TokenRejection(description: "not a compact JWS") }
        guard let headerBytes = Base64URL.decode(String(parts[0])), let payload = Base64URL.decode(String(parts[1])),
            let signature = Base64URL.decode(String(parts[2]))
        else { throw TokenRejection(description: "bad base64url") }
        let header = try Claims(headerBytes, what: "header")
        if let unknown = header.keys.first(where: { !["alg", "typ", "kid"].contains($0) }) {
            throw TokenRejection(description: "header: unknown field \(unknown)")
        }
        let alg = try header.string("alg")
        guard alg == "HS256" else { throw TokenRejection(description: "alg \(alg) is not HS256") }
        if let typ = try header.optionalString("typ"), typ.uppercased() != "JWT" {
            throw TokenRejection(description: "typ \(typ)")
        }
        let key = try key(for: header.optionalString("kid"))
        let expected = HMACSHA256.authenticate(Array("\(parts[0]).\(parts[1])".utf8), key: key.secret)
        guard ConstantTime.equal(expected, signature) else { throw TokenRejection(description: "bad signature") }
        let claims = try Claims(payload, what: "payload")
        try checkRegisteredClaims(claims, now: Int(now.timeIntervalSince1970))
        return (payload, claims)
    }

    /// Verifies and decodes an access token.
    package func verifyAccess(_ token: String, now: Date) throws(TokenRejection) -> AccessClaims {
        let claims = try verified(token, now: now).claims
        do throws(TokenRejection) {
            return AccessClaims(
                iss: try claims.string("iss"), aud: try claims.string("aud"), sub: try claims.string("sub"),
                iat: try claims.integer("iat"), nbf: try claims.integer("nbf"), exp: try claims.integer("exp"),
                jti: try claims.string("jti"), scope: try claims.string("scope"), role: try claims.string("role"),
                sid: try claims.optionalString("sid"))
        } catch {
            throw TokenRejection(description: "claims are not an access token's")
        }
    }

    private func key(for kid: String?) throws(TokenRejection) -> JWTKey {
        guard let kid else {
            // A token without kid is accepted only when there is one key to try.
            guard keys.count == 1 else { throw TokenRejection(description: "no kid") }
            return keys[0]
        }
        guard let key = keys.first(where: { $0.id == kid }) else { throw TokenRejection(description: "unknown kid") }
        return key
    }

    private func checkRegisteredClaims(_ claims: Claims, now: Int) throws(TokenRejection) {
        let exp: Double?
        let nbf: Double?
        let iss: String?
        let aud: [String]?
        do throws(TokenRejection) {
            exp = try claims.optionalNumber("exp")
            nbf = try claims.optionalNumber("nbf")
            iss = try claims.optionalString("iss")
            aud = try claims.audience()
        } catch {
            throw TokenRejection(description: "registered claims have wrong types")
        }
        guard let exp else { throw TokenRejection(description: "no exp") }
        guard Double(now - leeway) < exp else { throw TokenRejection(description: "expired") }
        if let nbf, nbf > Double(now + leeway) { throw TokenRejection(description: "not yet valid") }
        if let issuer, iss != issuer { throw TokenRejection(description: "wrong iss") }
        if let audience, !(aud?.contains(audience) ?? false) { throw TokenRejection(description: "wrong aud") }
    }

    /// The top-level members of a token's header or payload, read by type; a member of the wrong
    /// type is a rejection, an absent or null one is nil where it may be missing.
    private struct Claims {
        let members: [(key: String, value: JSONScalar)]

        init(_ bytes: [UInt8], what: String) throws(TokenRejection) {
            do {
                members = try JSONScanner.topLevelMembers(of: bytes)
            } catch {
                throw TokenRejection(description: "\(what) is not a JSON object: \(error.reason)")
            }
        }

        var keys: [String] { members.map(\.key) }

        private func value(_ key: String) -> JSONScalar? {
            members.first { $0.key == key }?.value
        }

        func optionalString(_ key: String) throws(TokenRejection) -> String? {
            switch value(key) {
            case nil, .null: return nil
            case .string(let text): return text
            default: throw TokenRejection(description: "\(key) is not a string")
            }
        }

        func string(_ key: String) throws(TokenRejection) -> String {
            guard let text = try optionalString(key) else { throw TokenRejection(description: "no \(key)") }
            return text
        }

        func optionalNumber(_ key: String) throws(TokenRejection) -> Double? {
            switch value(key) {
            case nil, .null: return nil
            case .number(let text):
                guard let number = Double(text) else { throw TokenRejection(description: "\(key) is out of range") }
                return number
            default: throw TokenRejection(description: "\(key) is not a number")
            }
        }

        /// An integer claim: a number without fraction or exponent that fits an Int.
        func integer(_ key: String) throws(TokenRejection) -> Int {
            guard case .number(let text) = value(key), let number = Int(text) else {
                throw TokenRejection(description: "\(key) is not an integer")
            }
            return number
        }

        /// `aud`: one string or an array of strings (RFC 7519 §4.1.3).
        func audience() throws(TokenRejection) -> [String]? {
            switch value("aud") {
            case nil, .null: return nil
            case .string(let one): return [one]
            case .strings(let many): return many
            default: throw TokenRejection(description: "aud is neither a string nor strings")
            }
        }
    }
}
