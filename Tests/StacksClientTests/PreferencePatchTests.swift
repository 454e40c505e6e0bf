// `stacks prefs KEY=VALUE…` → a JSON merge patch: dotted names nest, JSON values stay JSON,
// `channels` takes a comma list, other text is a string, and a malformed pair is a usage error.
import StacksWire
import Testing

@testable import StacksClient

@Suite struct PreferencePatchTests {
    @Test("builds a nested merge patch from dotted names and JSON or text values")
    func patch() throws {
        let patch = try PreferencePatch.parse([
            "default_loan_days=21", "notices.overdue=false", "notices.due_soon_days=3", "webhook_url=null",
            "channels=inbox,webhook", "name=Ada Lovelace",
        ])
        #expect(
            patch
                == .object([
                    "default_loan_days": .integer(21), "webhook_url": .null, "name": .string("Ada Lovelace"),
                    "notices": .object(["overdue": .bool(false), "due_soon_days": .integer(3)]),
                    "channels": .array([.string("inbox"), .string("webhook")]),
                ]))
        #expect(try PreferencePatch.parse(["channels=[\"inbox\"]"]) == .object(["channels": .array([.string("inbox")])]))
        #expect(try PreferencePatch.parse(["webhook_url=https://example.org/h"]).string("webhook_url") == "https://example.org/h")
    }

    @Test("refuses arguments that are not KEY=VALUE")
    func mistakes() {
        for bad in ["default_loan_days", "=3", "notices.=1", ".x=1"] {
            #expect(throws: ClientError.self, "\(bad)") { try PreferencePatch.parse([bad]) }
        }
    }
}
