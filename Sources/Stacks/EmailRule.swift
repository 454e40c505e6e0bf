// Email addresses as the API accepts them: normalised (trimmed, lower case) and checked for a
// plausible shape. Used by registration, login and key generation, and by any feature that takes an email.
import Foundation

/// The email rules.
enum EmailRule {
    /// The normalised email (trimmed, lower case).
    static func normalise(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// Whether a normalised email looks deliverable: one @, something on both sides, a dot in the domain.
    static func isValid(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return (3...254).contains(email.unicodeScalars.count) && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !email.contains(where: { $0.isWhitespace || $0.isNewline })
            && !Validation.hasControlCharacters(email)
    }
}
