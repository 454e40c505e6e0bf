// The request bodies of the auth endpoints and their validation (422 with pointers).
import HTTP

/// Collects field errors and throws them together as one 422.
struct Validation {
    private(set) var errors: [FieldError] = []

    /// Records an error at `pointer` unless `condition` holds.
    mutating func check(_ condition: Bool, _ pointer: String, _ detail: String) {
        if !condition { errors.append(FieldError(pointer: pointer, detail: detail)) }
    }

    /// Throws the collected errors, if any.
    func finish() throws(Problem) {
        if !errors.isEmpty { throw Problem.validation(errors) }
    }
}

/// Email rules shared by every auth body.
enum EmailRule {
    /// The normalised email (trimmed, lower case).
    static func normalise(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// Whether a normalised email looks deliverable: one @, something on both sides, a dot in the domain.
    static func isValid(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return (3...254).contains(email.unicodeScalars.count) && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !email.contains(where: { $0.isWhitespace || $0.isNewline })
    }
}

/// `POST /api/auth/register`.
struct RegisterBody: RequestBody {
    let email: String
    let password: String
    let name: String
    static let fields: Set<String> = ["email", "password", "name"]

    func validated() throws(Problem) -> RegisterBody {
        var validation = Validation()
        let email = EmailRule.normalise(email)
        validation.check(EmailRule.isValid(email), "/email", "must be an email address")
        validation.check((8...1024).contains(password.count), "/password", "must have 8 to 1024 characters")
        let name = name.trimmingCharacters(in: .whitespaces)
        validation.check((1...200).contains(name.unicodeScalars.count), "/name", "must have 1 to 200 characters")
        try validation.finish()
        return RegisterBody(email: email, password: password, name: name)
    }
}

/// `POST /api/auth/login`.
struct LoginBody: RequestBody {
    let email: String
    let password: String
    static let fields: Set<String> = ["email", "password"]
}

/// `POST /api/auth/generate-key`.
struct GenerateKeyBody: RequestBody {
    let email: String
    let password: String?
    let label: String?
    let scopes: [String]?
    static let fields: Set<String> = ["email", "password", "label", "scopes"]

    /// The normalised email, label and requested scopes, or a 422.
    func validated() throws(Problem) -> (email: String, label: String?, scopes: Set<Scope>?) {
        var validation = Validation()
        let email = EmailRule.normalise(email)
        validation.check(EmailRule.isValid(email), "/email", "must be an email address")
        validation.check((label?.unicodeScalars.count ?? 0) <= 100, "/label", "must have at most 100 characters")
        var requested: Set<Scope>?
        if let scopes {
            let parsed = scopes.compactMap(Scope.init(rawValue:))
            validation.check(
                parsed.count == scopes.count && !scopes.isEmpty, "/scopes", "must be a non-empty list of read, write, admin")
            requested = Set(parsed)
        }
        try validation.finish()
        return (email, label, requested)
    }
}

/// `POST /api/auth/refresh`.
struct RefreshBody: RequestBody {
    let refreshToken: String
    static let fields: Set<String> = ["refresh_token"]
    private enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}

/// `POST /api/auth/logout` (the body is optional).
struct LogoutBody: RequestBody {
    let refreshToken: String?
    static let fields: Set<String> = ["refresh_token"]
    private enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}
