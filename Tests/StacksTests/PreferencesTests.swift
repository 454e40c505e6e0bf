// Preferences in process against the test database, in production settings (no
// STACKS_WEBHOOK_ALLOW_PRIVATE): webhook URLs that lead to the library's own network are refused
// with a 400 naming the field; the defaults in Swift match the database's; the signature header
// matches an HMAC computed elsewhere (Python's hmac module).
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite(.serialized) struct PreferencesTests {
    static let sealingKeys = "w1:" + String(repeating: "7a", count: 32)

    @Test(
        "refuses loopback, private, link-local and non-http webhook URLs with a 400 in production settings",
        arguments: [
            "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://172.16.0.9/hook",
            "http://192.168.1.1/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook",
            "http://[fe80::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook", "ftp://example.com/hook",
            "gopher://127.0.0.1/", "file:///etc/passwd", "javascript:alert(1)",
        ])
    func refusesPrivateDestinations(url: String) throws {
        let harness = try AppHarness(environment: ["STACKS_WEBHOOK_KEYS": Self.sealingKeys])
        let key = try harness.apiKey(try harness.member())
        let refused = harness.send("PATCH", "/api/preferences", json: #"{"webhook_url":"\#(url)"}"#, bearer: key)
        #expect(refused.status == .badRequest, "\(url): \(String(decoding: refused.body, as: UTF8.self))")
        let problem = try AppHarness.object(refused)
        #expect(problem["type"] as? String == "urn:stacks:problem:invalid-preferences")
        let pointers = (problem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String }
        #expect(pointers == ["/webhook_url"])
        #expect(try AppHarness.data(harness.send("GET", "/api/preferences", bearer: key))["webhook_url"] is NSNull)
    }

    @Test("a webhook URL on a public address is accepted in production settings")
    func acceptsPublicAddresses() throws {
        let harness = try AppHarness(environment: ["STACKS_WEBHOOK_KEYS": Self.sealingKeys])
        let key = try harness.apiKey(try harness.member())
        let saved = harness.send(
            "PATCH", "/api/preferences", json: #"{"webhook_url":"http://93.184.215.14:8443/h"}"#, bearer: key)
        #expect(saved.status == .ok, "\(String(decoding: saved.body, as: UTF8.self))")
    }

    @Test("without STACKS_WEBHOOK_KEYS no signing secret can be made (503), so the webhook stays off")
    func noKeysNoSecret() throws {
        let harness = try AppHarness()
        let key = try harness.apiKey(try harness.member())
        #expect(harness.send("POST", "/api/preferences/webhook-secret", bearer: key).status == .serviceUnavailable)
    }

    @Test("a member without a row has exactly the defaults PreferencesPatch restores")
    func defaultsAgree() throws {
        let connection = try TestDatabase.connect()
        let defaults = PreferencesDefaults()
        let row = try #require(
            try connection.query(
                """
                SELECT \(fragment: Preferences.columns) FROM preferences_in_effect p
                WHERE p.member_id NOT IN (SELECT member_id FROM member_preferences) LIMIT 1
                """
            ).first)
        let preferences = try Preferences(row: row)
        #expect(preferences.defaultLoanDays == defaults.loanDays)
        #expect(preferences.dueSoonDays == defaults.dueSoonDays)
        #expect(preferences.overdue && preferences.holdAvailable && !preferences.webhookEnabled)
    }

    @Test("Stacks-Signature is t=<time>,v1=<hex HMAC-SHA256 of \"t.body\"> keyed by the secret's text")
    func signature() {
        let header = WebhookSignature.header(secret: "whsec_test", timestamp: 1_700_000_000, body: Array(#"{"id":1}"#.utf8))
        #expect(header == "t=1700000000,v1=2f441ba4b3b2d50d28a9ab9d9fd8880376ecd1eb5d0435401553f5d8d0a5dcf8")
    }

    @Test("a secret sealed under one key opens after a new key is put first, and not once its key is gone")
    func secretRotation() throws {
        let old = SealingKey(id: "w1", secret: Array(String(repeating: "a", count: 32).utf8))
        let new = SealingKey(id: "w2", secret: Array(String(repeating: "b", count: 32).utf8))
        let (secret, sealed) = try #require(WebhookSecrets(keys: [old]).make())
        #expect(secret.hasPrefix("whsec_") && secret.count == 6 + 43)
        #expect(sealed.keyID == "w1")
        #expect(WebhookSecrets(keys: [new, old]).open(sealed) == secret)
        #expect(WebhookSecrets(keys: [new]).open(sealed) == nil)
        #expect(WebhookSecrets(keys: [new, old]).make()?.sealed.keyID == "w2")
    }
}
