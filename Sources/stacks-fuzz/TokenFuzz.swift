// Fuzz target `jwt`: access tokens against fixed keys. An input that starts with '{' is
// `HEADER\0PAYLOAD\0K…`: the harness encodes the two JSON texts and signs them with our key A or B,
// a foreign key or nothing (by K); any other input is a token as a client sends it. Whatever the
// verifier accepts must carry the HMAC of its signed text under the key its kid names.
import Crypto
import Foundation
import HTTP
import Stacks

/// Token parsing and verification, with the invariant that nothing forged is accepted.
enum TokenFuzz {
    private static let keyA = JWTKey(id: "fuzz-a", secret: Array(repeating: 0x41, count: 32))
    private static let keyB = JWTKey(id: "fuzz-b", secret: Array(repeating: 0x42, count: 32))
    private static let foreign = JWTKey(id: "fuzz-a", secret: Array(repeating: 0x46, count: 32))
    private static let signer = TokenSigner(keys: [keyA, keyB], issuer: "stacks", audience: "stacks-api")
    private static let singleKey = TokenSigner(keys: [keyA], issuer: "stacks", audience: "stacks-api")
    /// The verifiers' clock: tokens in the corpus carry times around it.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    /// Runs one input.
    static func run(_ input: [UInt8]) {
        let token = input.first == UInt8(ascii: "{") ? structured(input) : String(decoding: input, as: UTF8.self)
        for (verifier, hasKeyB) in [(signer, true), (singleKey, false)] {
            // verifyAccess verifies as verify does, then reads the claims: it accepts no token that verify refuses.
            guard let payload = try? verifier.verify(token, now: now) else { continue }
            checkSigned(token, hasKeyB: hasKeyB)
            checkClaims(payload)
            if let claims = try? verifier.verifyAccess(token, now: now) {
                invariant(claims.iss == "stacks" && claims.aud == "stacks-api", "accepted a foreign issuer or audience")
                invariant(Double(claims.exp) > now.timeIntervalSince1970 - 30, "accepted an expired token")
            }
        }
        if input.count <= 512 { checkRoundTrip(input) }
    }

    /// `HEADER\0PAYLOAD\0K` → a compact token, signed as K's last byte says.
    static func structured(_ input: [UInt8]) -> String {
        let parts = input.parts(separatedBy: 0, limit: 3)
        let header = Base64URL.encode(Array(parts[0]))
        let payload = parts.count > 1 ? Base64URL.encode(Array(parts[1])) : ""
        let signed = Array("\(header).\(payload)".utf8)
        let signature: [UInt8]
        switch parts.count > 2 ? parts[2].last ?? 0 : 0 {
        case UInt8(ascii: "A"): signature = HMACSHA256.authenticate(signed, key: keyA.secret)
        case UInt8(ascii: "B"): signature = HMACSHA256.authenticate(signed, key: keyB.secret)
        case UInt8(ascii: "F"): signature = HMACSHA256.authenticate(signed, key: foreign.secret)
        default: signature = parts.count > 2 ? Array(parts[2]) : []
        }
        return "\(header).\(payload).\(Base64URL.encode(signature))"
    }

    /// The token's signature is the canonical encoding of the HMAC of its first two parts under the
    /// key its kid names (A when it names none and A is the only key), and its alg is HS256.
    private static func checkSigned(_ token: String, hasKeyB: Bool) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        invariant(parts.count == 3, "accepted a token of \(parts.count) parts")
        let header = try? JSONScanner.topLevelMembers(of: Base64URL.decode(String(parts[0])) ?? [])
        invariant(header?.first { $0.key == "alg" }?.value == .string("HS256"), "accepted an alg other than HS256")
        let key: JWTKey
        switch header?.first(where: { $0.key == "kid" })?.value {
        case .string(keyA.id)?: key = keyA
        case .string(keyB.id)? where hasKeyB: key = keyB
        case nil, .null?: key = keyA
        default: invariantBroken("accepted a token whose kid names none of the keys")
        }
        let expected = HMACSHA256.authenticate(Array("\(parts[0]).\(parts[1])".utf8), key: key.secret)
        invariant(String(parts[2]) == Base64URL.encode(expected), "accepted a token not signed by the key its kid names")
    }

    /// An accepted payload is an object with a live `exp`, our issuer and our audience.
    private static func checkClaims(_ payload: [UInt8]) {
        let claims = try? JSONScanner.topLevelMembers(of: payload)
        invariant(claims != nil, "accepted a payload that is not a JSON object")
        guard case .number(let exp)? = claims?.first(where: { $0.key == "exp" })?.value, let expiry = Double(exp) else {
            invariantBroken("accepted a token without a numeric exp")
        }
        invariant(expiry > now.timeIntervalSince1970 - 30, "accepted an expired token")
        invariant(claims?.first { $0.key == "iss" }?.value == .string("stacks"), "accepted another issuer")
    }

    /// Claims with the input's text in their strings (NUL aside: the scanner refuses it, and no
    /// claim we issue holds one) sign and verify back to themselves.
    private static func checkRoundTrip(_ input: [UInt8]) {
        let texts = input.split(separator: 0, omittingEmptySubsequences: false).prefix(4).map {
            String(decoding: $0, as: UTF8.self)
        }
        let issued = Int(now.timeIntervalSince1970)
        let claims = AccessClaimsText(
            iss: "stacks", aud: "stacks-api", sub: texts[0], iat: issued, nbf: issued, exp: issued + 900,
            jti: texts.count > 1 ? texts[1] : "", scope: texts.count > 2 ? texts[2] : "", role: "member",
            sid: texts.count > 3 ? texts[3] : nil)
        let token = signer.sign(claims)
        guard let back = try? signer.verifyAccess(token, now: now) else {
            invariantBroken("a token we signed is refused: \(token)")
        }
        invariant(
            back.sub == claims.sub && back.jti == claims.jti && back.scope == claims.scope && back.sid == claims.sid
                && back.exp == claims.exp, "a token we signed reads back changed")
    }

    /// The claims of an access token, as the harness writes them.
    private struct AccessClaimsText: Encodable {
        let iss: String
        let aud: String
        let sub: String
        let iat: Int
        let nbf: Int
        let exp: Int
        let jti: String
        let scope: String
        let role: String
        let sid: String?
    }
}
