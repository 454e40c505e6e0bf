// Email addresses as the API accepts them: normalised (trimmed, lower case) and checked for a
// plausible shape. Used by registration, login and key generation, and by any feature that takes an email.
import Foundation

/// The email rules.
enum EmailRule {
    /// The normalised email (trimmed, lower case).
    static func normalise(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// Whether a normalised email looks deliverable: one @, something on both sides, a dot in the
    /// domain, neither at its start nor at its end. Read by code points, as the published pattern
    /// and the database read it: a dot or an @ followed by a combining mark is still one.
    static func isValid(_ email: String) -> Bool {
        let scalars = email.unicodeScalars
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard (3...254).contains(scalars.count), parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = parts[1]
        return domain.contains(".") && domain.first != "." && domain.last != "."
            && !scalars.contains(where: \.properties.isWhitespace) && !Validation.hasControlCharacters(email)
    }
}
