// The token verifier on its own: the RFC 7515 A.1 vector, our own round trip, and refusals.
import Crypto
import Foundation
import Testing

@testable import Stacks

@Suite struct JWTTests {
    static let rfcToken =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let rfcKey = Base64URL.decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")!

    let rfcSigner = TokenSigner(keys: [JWTKey(id: "rfc", secret: rfcKey)], issuer: "joe", audience: nil)

    init() { Sodium.initialize() }

    @Test("verifies the RFC 7515 A.1 HS256 example at its own date")
    func rfcVectorAtItsDate() throws {
        let payload = try rfcSigner.verify(Self.rfcToken, now: Date(timeIntervalSince1970: 1_300_819_000))
        let text = String(decoding: payload, as: UTF8.self)
        #expect(text.contains("\"iss\":\"joe\""))
        #expect(text.contains("http://example.com/is_root"))
    }

    @Test("rejects the RFC 7515 A.1 example as expired today")
    func rfcVectorToday() {
        #expect(throws: TokenRejection(description: "expired")) { try rfcSigner.verify(Self.rfcToken, now: Date()) }
    }

    @Test("rejects the RFC example with one bit of the signature flipped")
    func rfcVectorTampered() {
        let tampered = String(Self.rfcToken.dropLast()) + "Y"
        #expect(throws: TokenRejection.self) { try rfcSigner.verify(tampered, now: Date(timeIntervalSince1970: 1_300_819_000)) }
    }

    let signer = TokenSigner(
        keys: [
            JWTKey(id: "new", secret: Array(repeating: 1, count: 32)), JWTKey(id: "old", secret: Array(repeating: 2, count: 32)),
        ],
        issuer: "stacks", audience: "stacks-api")

    func claims(now: Int, iss: String = "stacks", aud: String = "stacks-api") -> AccessClaims {
        AccessClaims(
            iss: iss, aud: aud, sub: "7", iat: now, nbf: now, exp: now + 900, jti: "abcdefghij", scope: "read", role: "member",
            sid: nil)
    }

    @Test("round-trips its own tokens and checks the clock with 30 s of leeway")
    func roundTrip() throws {
        let now = 1_800_000_000
        let token = signer.sign(claims(now: now))
        #expect(try signer.verifyAccess(token, now: Date(timeIntervalSince1970: Double(now))) == claims(now: now))
        #expect(throws: Never.self) { try signer.verify(token, now: Date(timeIntervalSince1970: Double(now + 929))) }
        #expect(throws: TokenRejection.self) { try signer.verify(token, now: Date(timeIntervalSince1970: Double(now + 931))) }
        #expect(throws: Never.self) { try signer.verify(token, now: Date(timeIntervalSince1970: Double(now - 29))) }
    }

    @Test("verifies with a second key during rotation and refuses unknown keys")
    func rotation() throws {
        let now = 1_800_000_000
        let oldOnly = TokenSigner(
            keys: [JWTKey(id: "old", secret: Array(repeating: 2, count: 32))], issuer: "stacks", audience: "stacks-api")
        let token = oldOnly.sign(claims(now: now))
        #expect(throws: Never.self) { try signer.verify(token, now: Date(timeIntervalSince1970: Double(now))) }
        let retired = TokenSigner(
            keys: [JWTKey(id: "gone", secret: Array(repeating: 3, count: 32))], issuer: "stacks", audience: "stacks-api")
        #expect(throws: TokenRejection(description: "unknown kid")) {
            try signer.verify(retired.sign(claims(now: now)), now: Date(timeIntervalSince1970: Double(now)))
        }
    }

    @Test("refuses wrong issuer and audience")
    func issuerAudience() {
        let now = 1_800_000_000
        let at = Date(timeIntervalSince1970: Double(now))
        #expect(throws: TokenRejection(description: "wrong iss")) {
            try signer.verify(signer.sign(claims(now: now, iss: "x")), now: at)
        }
        #expect(throws: TokenRejection(description: "wrong aud")) {
            try signer.verify(signer.sign(claims(now: now, aud: "x")), now: at)
        }
    }

    @Test("refuses alg none in any case, and other algorithms", arguments: ["none", "None", "NONE", "HS512", "RS256", "hs256"])
    func algorithms(alg: String) {
        let now = 1_800_000_000
        let token = signer.sign(claims(now: now))
        let parts = token.split(separator: ".")
        let header = Base64URL.encode(Array("{\"alg\":\"\(alg)\",\"typ\":\"JWT\",\"kid\":\"new\"}".utf8))
        let forged = "\(header).\(parts[1]).\(parts[2])"
        #expect(throws: TokenRejection.self) { try signer.verify(forged, now: Date(timeIntervalSince1970: Double(now))) }
    }
}
