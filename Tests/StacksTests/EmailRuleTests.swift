// The email rule reads code points, as the published pattern does: a dot or an @ that a combining
// mark or an emoji modifier follows is still a dot or an @ (schemathesis found the difference).
import Testing

@testable import Stacks

@Suite struct EmailRuleTests {
    @Test("accepts a plausible address and refuses the usual malformed ones")
    func plainAddresses() {
        #expect(EmailRule.isValid("reader@example.org"))
        for bad in [
            "", "a@b", "@example.org", "reader@", "reader@.org", "reader@example.", "a@b@c.org", "re ader@example.org",
            "reader@exam\u{2028}ple.org", "reader@example.org\u{0}",
        ] {
            #expect(!EmailRule.isValid(bad), "\(bad.debugDescription)")
        }
    }

    @Test("a dot or an @ followed by a combining mark or a modifier still counts")
    func codePoints() {
        #expect(EmailRule.isValid("reader@example.\u{1F3FB}org"))
        #expect(EmailRule.isValid("reader@\u{301}example.org"))
    }
}
