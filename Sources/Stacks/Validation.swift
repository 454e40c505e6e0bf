// Validation of request values for every feature: field errors are collected and thrown together
// as one 422 with JSON Pointers. Single-line text (titles, authors, names, labels) is trimmed of
// white space and line breaks, and refused when blank or when it holds control characters.
import Foundation
import HTTP

/// Collects field errors and throws them together as one 422.
struct Validation {
    private(set) var errors: [FieldError] = []

    /// Records an error at `pointer` unless `condition` holds.
    mutating func check(_ condition: Bool, _ pointer: String, _ detail: String) {
        if !condition { errors.append(FieldError(pointer: pointer, detail: detail)) }
    }

    /// A loan period in days, when one was given: records an error unless it is in `Loan.periodDays`.
    mutating func loanDays(_ days: Int?, _ pointer: String = "/days") {
        check(days.map(Loan.periodDays.contains) ?? true, pointer, "must be from 1 to 30")
    }

    /// A single line of text, trimmed; records an error when it is blank after trimming, holds a
    /// control character or line break, or has more than `maxLength` characters. nil stays nil;
    /// with `allowBlank`, a blank value is accepted as "".
    mutating func line(_ value: String?, _ pointer: String, maxLength: Int, allowBlank: Bool = false) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            check(allowBlank, pointer, "must not be blank")
        } else if Self.hasControlCharacters(trimmed) {
            check(false, pointer, "must be one line without control characters")
        } else {
            check(trimmed.unicodeScalars.count <= maxLength, pointer, "must have 1 to \(maxLength) characters")
        }
        return trimmed
    }

    /// Whether text holds a control character (Unicode category Cc) or a line or paragraph separator.
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains {
            $0.properties.generalCategory == .control || $0.properties.generalCategory == .lineSeparator
                || $0.properties.generalCategory == .paragraphSeparator
        }
    }

    /// Throws the collected errors, if any.
    func finish() throws(Problem) {
        if !errors.isEmpty { throw Problem.validation(errors) }
    }
}
