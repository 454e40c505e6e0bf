// The request bodies of the auth endpoints (register here, the others shared in StacksWire) and
// their validation (422 with pointers).
import Foundation
import HTTP
import StacksWire

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
        let name = validation.line(name, "/name", maxLength: 200)
        try validation.finish()
        return RegisterBody(email: email, password: password, name: name ?? "")
    }
}

extension LoginBody: RequestBody {
    /// The fields a login may name.
    package static let fields: Set<String> = ["email", "password"]
}

extension GenerateKeyBody: RequestBody {
    /// The fields a generate-key request may name.
    package static let fields: Set<String> = ["email", "password", "label", "scopes"]

    /// The normalised email, label and requested scopes, or a 422.
    func validated() throws(Problem) -> (email: String, label: String?, scopes: Set<Scope>?) {
        var validation = Validation()
        let email = EmailRule.normalise(email)
        validation.check(EmailRule.isValid(email), "/email", "must be an email address")
        // A label is optional: a blank one means none.
        let label = validation.line(label, "/label", maxLength: 100, allowBlank: true).flatMap { $0.isEmpty ? nil : $0 }
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

extension RefreshBody: RequestBody {
    /// The fields a refresh may name.
    package static let fields: Set<String> = ["refresh_token"]
}

extension LogoutBody: RequestBody {
    /// The fields a logout may name.
    package static let fields: Set<String> = ["refresh_token"]
}
