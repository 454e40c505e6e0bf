// Who is calling: rebuilt on every request from the bearer credential and the database,
// never remembered. Scopes come from the role, narrowed by the credential.

import Postgres

/// What a member is to the library; the role bounds the scopes a credential can carry.
public enum Role: String, Sendable, Codable, CaseIterable {
    case member, librarian

    /// The role stored in a row's `role` column.
    init(row: Row) throws(PostgresError) {
        let text = try row.string("role")
        guard let role = Role(rawValue: text) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown role '\(text)'")
        }
        self = role
    }
}

/// A permission an endpoint may require.
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    case read, write, admin

    /// The scopes a role may hold.
    static func allowed(for role: Role) -> Set<Scope> {
        role == .librarian ? [.read, .write, .admin] : guest
    }

    /// What a credential got without a password (a guest's key in open-key mode) may carry:
    /// an email proves nothing, so never `admin`, whatever the member's role.
    static let guest: Set<Scope> = [.read, .write]

    /// Parses a space- or comma-separated scope list; nil if any entry is unknown.
    static func parse(_ text: String) -> Set<Scope>? {
        var scopes = Set<Scope>()
        for part in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let scope = Scope(rawValue: String(part)) else { return nil }
            scopes.insert(scope)
        }
        return scopes
    }

    /// The scopes a stored or signed scope list grants a member of `role` today: the list, narrowed
    /// to what the role may hold (a demoted librarian's old credentials lose admin at once).
    static func granted(_ text: String, role: Role) -> Set<Scope> {
        (parse(text) ?? []).intersection(allowed(for: role))
    }

    /// The canonical text form, ordered read, write, admin.
    static func text(_ scopes: Set<Scope>) -> String { scopes.sorted().map(\.rawValue).joined(separator: " ") }

    /// Orders scopes read, write, admin.
    public static func < (lhs: Scope, rhs: Scope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The authenticated caller of one request.
public struct Principal: Sendable, Equatable {
    /// How the caller proved who it is.
    public enum Credential: Sendable, Equatable {
        /// An API key, by its id.
        case apiKey(id: Int64)
        /// An access token, by its id, expiry and session (refresh family).
        case accessToken(jti: String, expires: Int, session: String?)
    }

    /// The member's id.
    public let memberID: Int64
    /// `member` or `librarian`.
    public let role: Role
    /// What this credential may do.
    public let scopes: Set<Scope>
    /// The credential used.
    public let credential: Credential
}
