// HS256 JSON Web Tokens (RFC 7519) with their verification rules pinned (RFC 8725): alg must be
// exactly HS256, typ JWT, the kid one of ours, the signature compared in constant time, and
// iss/aud/exp/nbf checked with a leeway. HMAC comes from libsodium via Crypto.
import Crypto
import Foundation
import HTTP

/// Why a token was refused; the client only ever sees "invalid token".
struct TokenRejection: Error, Equatable, CustomStringConvertible {
    /// The reason, for logs and tests.
    let description: String
}

/// The claims Stacks puts in an access token.
struct AccessClaims: Codable, Equatable, Sendable {
    let iss: String
    let aud: String
    let sub: String
    let iat: Int
    let nbf: Int
    let exp: Int
    let jti: String
    let scope: String
    let role: String
    /// The refresh family (session) the token was issued in, if any.
    let sid: String?
}

/// Signs and verifies HS256 tokens with a key set.
struct TokenSigner: Sendable {
    /// The keys; the first signs, all verify.
    let keys: [JWTKey]
    /// The expected issuer (nil: not checked, for foreign test vectors only).
    let issuer: String?
    /// The expected audience (nil: not checked, for foreign test vectors only).
    let audience: String?
    /// Allowed clock difference in seconds.
    let leeway: Int = 30

    private struct Header: Codable {
        let alg: String
        let typ: String?
        let kid: String?
    }

    /// A signed compact token for `claims`, with the first key's kid.
    func sign<Claims: Encodable>(_ claims: Claims) -> String {
        let key = keys[0]
        let header = Base64URL.encode(JSONCoding.encode(Header(alg: "HS256", typ: "JWT", kid: key.id)))
        let payload = Base64URL.encode(JSONCoding.encode(claims))
        let signature = HMACSHA256.authenticate(Array("\(header).\(payload)".utf8), key: key.secret)
        return "\(header).\(payload).\(Base64URL.encode(signature))"
    }

    /// The verified payload bytes of a compact token, checked against `now`.
    func verify(_ token: String, now: Date) throws(TokenRejection) -> [UInt8] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 8192 else { throw TokenRejection(description: "not a compact JWS") }
        guard let headerBytes = Base64URL.decode(String(parts[0])), let payload = Base64URL.decode(String(parts[1])),
            let signature = Base64URL.decode(String(parts[2]))
        else { throw TokenRejection(description: "bad base64url") }
        let header = try decodeStrict(Header.self, headerBytes, allowed: ["alg", "typ", "kid"])
        guard header.alg == "HS256" else { throw TokenRejection(description: "alg \(header.alg) is not HS256") }
        if let typ = header.typ, typ.uppercased() != "JWT" { throw TokenRejection(description: "typ \(typ)") }
        let key = try key(for: header.kid)
        let expected = HMACSHA256.authenticate(Array("\(parts[0]).\(parts[1])".utf8), key: key.secret)
        guard ConstantTime.equal(expected, signature) else { throw TokenRejection(description: "bad signature") }
        try checkRegisteredClaims(payload, now: Int(now.timeIntervalSince1970))
        return payload
    }

    /// Verifies and decodes an access token.
    func verifyAccess(_ token: String, now: Date) throws(TokenRejection) -> AccessClaims {
        let payload = try verify(token, now: now)
        do {
            return try JSONDecoder().decode(AccessClaims.self, from: Data(payload))
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

    private struct Registered: Decodable {
        let iss: String?
        let aud: Audience?
        let exp: Double?
        let nbf: Double?
    }

    private enum Audience: Decodable {
        case one(String)
        case many([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                self = .one(one)
            } else {
                self = .many(try container.decode([String].self))
            }
        }

        func contains(_ audience: String) -> Bool {
            switch self {
            case .one(let value): value == audience
            case .many(let values): values.contains(audience)
            }
        }
    }

    private func checkRegisteredClaims(_ payload: [UInt8], now: Int) throws(TokenRejection) {
        do {
            _ = try JSONScanner.topLevelKeys(of: payload)
        } catch {
            throw TokenRejection(description: "payload is not a JSON object")
        }
        guard let claims = try? JSONDecoder().decode(Registered.self, from: Data(payload)) else {
            throw TokenRejection(description: "registered claims have wrong types")
        }
        guard let exp = claims.exp else { throw TokenRejection(description: "no exp") }
        guard Double(now - leeway) < exp else { throw TokenRejection(description: "expired") }
        if let nbf = claims.nbf, nbf > Double(now + leeway) { throw TokenRejection(description: "not yet valid") }
        if let issuer, claims.iss != issuer { throw TokenRejection(description: "wrong iss") }
        if let audience, !(claims.aud?.contains(audience) ?? false) { throw TokenRejection(description: "wrong aud") }
    }

    private func decodeStrict<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], allowed: Set<String>) throws(TokenRejection) -> T {
        do {
            return try JSONCoding.decode(type, from: bytes, allowedFields: allowed)
        } catch {
            throw TokenRejection(description: "header: \(error.detail)")
        }
    }
}
