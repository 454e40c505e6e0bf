// `PATCH /api/preferences`: a JSON merge patch (RFC 7396) over the member's preferences. A field
// left out stays, `null` restores its default, and every value is checked here: a bad one is a
// 400 naming the field by JSON Pointer, with every other bad field in the same answer.
import HTTP

/// The patch document, each field as sent (absent, null or a value of any JSON type).
package struct PreferencesPatch: RequestBody {
    package static let fields: Set<String> = ["default_loan_days", "notices", "channels", "webhook_url"]
    /// The fields of the `notices` object.
    static let noticeFields: Set<String> = ["due_soon_days", "overdue", "hold_available"]

    /// The top-level members as sent.
    let members: [String: JSONValue]

    init(members: [String: JSONValue]) {
        self.members = members
    }

    package init(from decoder: any Decoder) throws {
        guard case .object(let members) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self, .init(codingPath: [], debugDescription: "a merge patch is a JSON object"))
        }
        self.members = members
    }

    /// `current` with this patch applied; throws one 400 listing every bad field. The webhook URL
    /// is only checked for its form here (the caller resolves it).
    package func applied(to current: Preferences, hasSecret: Bool) throws(Problem) -> Preferences {
        var errors: [FieldError] = []
        var next = current
        let defaults = PreferencesDefaults()
        switch members["default_loan_days"] {
        case nil: break
        case .null?: next.defaultLoanDays = defaults.loanDays
        case .integer(let days)? where Loan.periodDays.contains(Int(days)): next.defaultLoanDays = Int(days)
        case _?: errors.append(FieldError(pointer: "/default_loan_days", detail: "must be an integer from 1 to 30"))
        }
        switch members["notices"] {
        case nil: break
        case .null?:
            (next.dueSoonDays, next.overdue, next.holdAvailable) = (defaults.dueSoonDays, true, true)
        case .object(let notices)?:
            applyNotices(notices, to: &next, defaults: defaults, errors: &errors)
        case _?: errors.append(FieldError(pointer: "/notices", detail: "must be an object or null"))
        }
        switch members["webhook_url"] {
        case nil: break
        case .null?: next.webhookURL = nil
        case .string(let url)?:
            if let problem = WebhookURL.formProblem(url) {
                errors.append(FieldError(pointer: "/webhook_url", detail: problem))
            } else {
                next.webhookURL = WebhookURL.canonical(url)
            }
        case _?: errors.append(FieldError(pointer: "/webhook_url", detail: "must be an http or https URL or null"))
        }
        switch members["channels"] {
        case nil: break
        case .null?: next.webhookEnabled = false
        case .array(let channels)?:
            let names = channels.compactMap { if case .string(let name) = $0 { name } else { nil } }
            if names.count != channels.count || !names.allSatisfy({ $0 == "inbox" || $0 == "webhook" }) {
                errors.append(FieldError(pointer: "/channels", detail: "must be a list of \"inbox\" and \"webhook\""))
            } else {
                next.webhookEnabled = names.contains("webhook")
            }
        case _?: errors.append(FieldError(pointer: "/channels", detail: "must be a list of \"inbox\" and \"webhook\""))
        }
        if errors.isEmpty, next.webhookEnabled, next.webhookURL == nil {
            errors.append(FieldError(pointer: "/channels", detail: "the webhook channel needs a webhook_url"))
        }
        if errors.isEmpty, next.webhookEnabled, !hasSecret {
            errors.append(
                FieldError(
                    pointer: "/channels",
                    detail: "the webhook channel needs a signing secret: POST /api/preferences/webhook-secret first"))
        }
        guard errors.isEmpty else { throw Problem.invalidPreferences(errors) }
        return next
    }

    private func applyNotices(
        _ notices: [String: JSONValue], to next: inout Preferences, defaults: PreferencesDefaults, errors: inout [FieldError]
    ) {
        for name in notices.keys.sorted() where !Self.noticeFields.contains(name) {
            errors.append(
                FieldError(
                    pointer: "/notices/\(name)",
                    detail: "is not a notice preference; known: \(Self.noticeFields.sorted().joined(separator: ", "))"))
        }
        switch notices["due_soon_days"] {
        case nil: break
        case .null?: next.dueSoonDays = defaults.dueSoonDays
        case .integer(let days)? where (0...7).contains(days): next.dueSoonDays = Int(days)
        case _?: errors.append(FieldError(pointer: "/notices/due_soon_days", detail: "must be an integer from 0 (off) to 7"))
        }
        for (name, keyPath) in [("overdue", \Preferences.overdue), ("hold_available", \Preferences.holdAvailable)] {
            switch notices[name] {
            case nil: break
            case .null?: next[keyPath: keyPath] = true
            case .bool(let on)?: next[keyPath: keyPath] = on
            case _?: errors.append(FieldError(pointer: "/notices/\(name)", detail: "must be true or false"))
            }
        }
    }
}

/// The defaults of a member who never changed a preference (as `preferences_in_effect` has them).
struct PreferencesDefaults {
    let loanDays = Loan.defaultDays
    let dueSoonDays = 2
}

extension Problem {
    /// 400 `invalid-preferences`: every bad field of a preferences patch, by JSON Pointer.
    static func invalidPreferences(_ errors: [FieldError]) -> Problem {
        Problem(.invalidPreferences, detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), errors: errors)
    }
}
