// The auth endpoints: register, generate-key, keys, login, refresh, logout, me. Every answer is
// computed from the request and the database; nothing about the caller outlives the request.
import Crypto
import Foundation
import HTTP
import Postgres
import StacksWire

/// Handlers of `/api/auth/…`.
enum AuthHandlers {
    /// `POST /api/auth/register`: a new member, or a guest of open-key mode claimed by the holder
    /// of one of its keys (sent as the bearer credential; its other keys are then revoked).
    static func register(_ request: Request, _ context: RequestContext, _ body: RegisterBody) throws -> Response {
        let body = try body.validated()
        let members = MemberStore(connection: try context.connection())
        // A guest's email is claimed with one of its keys (a guest has no password, hence no token).
        var claim: (memberID: Int64, keyID: Int64)?
        if let existing = try members.member(email: body.email) {
            guard existing.passwordHash == nil else { throw AuthError.emailTaken }
            guard let caller = try context.callerIfPresent(request) else { throw AuthError.guestAccount(proofGiven: false) }
            guard caller.memberID == existing.member.id, case .apiKey(let keyID) = caller.credential else {
                throw AuthError.guestAccount(proofGiven: true)
            }
            claim = (existing.member.id, keyID)
        }
        guard let hash = context.config.passwordHasher.hash(body.password) else { throw Problem.internalError() }
        var response: Response
        if let claim {
            let member = try members.claimGuest(
                id: claim.memberID, name: body.name, passwordHash: hash, keepingKey: claim.keyID)
            response = Response.success(
                member, message: "Registered: the guest account now has a password; its other API keys were revoked")
        } else {
            let member = try members.create(email: body.email, name: body.name, passwordHash: hash)
            response = Response.success(member, message: "Registered", status: .created)
        }
        response.headers.set("Location", "/api/auth/me")
        return response
    }

    /// `POST /api/auth/generate-key`: an API key for an email (open mode), a password holder, or the caller.
    static func generateKey(_ request: Request, _ context: RequestContext, _ body: GenerateKeyBody) throws -> Response {
        let input = try body.validated()
        let connection = try context.connection()
        let members = MemberStore(connection: connection)
        let member: Member
        var allowed: Set<Scope>
        let grant: KeyGrant
        if let caller = try context.callerIfPresent(request) {
            guard let found = try members.member(id: caller.memberID) else { throw AuthError.invalidCredential }
            guard found.email == input.email else {
                throw Problem(.forbidden, detail: "A token may only mint keys for its own member.")
            }
            member = found
            allowed = caller.scopes
            if case .apiKey(let id) = caller.credential { grant = .key(id: id) } else { grant = .verified }
        } else if let found = try members.member(email: input.email) {
            if let hash = found.passwordHash {
                guard let password = body.password,
                    try LoginThrottle(connection: connection).verify(
                        password, against: hash, memberID: found.member.id, hasher: context.config.passwordHasher)
                else {
                    throw AuthError.badCredentials("This email has a password: send the right one to generate a key.")
                }
                allowed = Scope.allowed(for: found.member.role)
                grant = .verified
            } else if context.config.openKeys {
                allowed = Scope.guest
                grant = .guest
            } else {
                throw AuthError.badCredentials(
                    "Keys for this email need its password: register first (POST /api/auth/register), then send it.")
            }
            member = found.member
        } else {
            guard context.config.openKeys else {
                throw AuthError.badCredentials(
                    "Keys for this email need its password: register first (POST /api/auth/register), then send it.")
            }
            let name = String(String.UnicodeScalarView(input.email.split(separator: "@")[0].unicodeScalars.prefix(200)))
            member = try members.create(email: input.email, name: name, passwordHash: nil)
            allowed = Scope.guest
            grant = .guest
        }
        if let requested = input.scopes {
            guard requested.isSubset(of: allowed) else {
                throw Problem(.forbidden, detail: "A key can carry at most your own scopes: \(Scope.text(allowed)).")
            }
            allowed = requested
        }
        let (key, info) = try KeyStore(connection: connection).create(
            memberID: member.id, label: input.label, scopes: allowed, grant: grant)
        return noStore(
            Response.success(
                GeneratedKey(
                    apiKey: key, email: member.email, keyID: info.id, prefix: info.prefix, scopes: info.scopes,
                    label: info.label),
                message: "API key generated. Store it now: it is shown only once.", status: .created))
    }

    /// `GET /api/auth/keys`: the caller's keys.
    static func listKeys(_ request: Request, _ context: RequestContext) throws -> Response {
        let keys = try KeyStore(connection: context.connection()).keys(memberID: context.principal().memberID)
        return Response.success(keys, message: "\(keys.count) key\(keys.count == 1 ? "" : "s")")
    }

    /// `DELETE /api/auth/keys/{id}`: revokes one of the caller's keys.
    static func revokeKey(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        guard try KeyStore(connection: context.connection()).revoke(id: id, memberID: context.principal().memberID) != nil else {
            throw Problem.notFound("You have no key with id \(id).")
        }
        return Response.empty(.noContent)
    }

    /// `POST /api/auth/login`: an access token and a refresh token for email and password.
    static func login(_ request: Request, _ context: RequestContext, _ body: LoginBody) throws -> Response {
        let connection = try context.connection()
        let members = MemberStore(connection: connection)
        let hasher = context.config.passwordHasher
        let found = try members.member(email: EmailRule.normalise(body.email))
        guard let found, let hash = found.passwordHash else {
            _ = hasher.hash(body.password)  // unknown emails cost the same time as wrong passwords
            throw AuthError.badCredentials("The email or password is wrong.")
        }
        guard
            try LoginThrottle(connection: connection).verify(
                body.password, against: hash, memberID: found.member.id, hasher: hasher)
        else { throw AuthError.badCredentials("The email or password is wrong.") }
        if hasher.needsRehash(hash), let stronger = hasher.hash(body.password) {
            try members.updatePasswordHash(id: found.member.id, to: stronger)
        }
        let pair = try SessionStore(connection: connection, config: context.config, now: context.now)
            .start(member: found.member, scopes: Scope.allowed(for: found.member.role))
        return noStore(Response.success(pair, message: "Logged in"))
    }

    /// `POST /api/auth/refresh`: rotates a refresh token.
    static func refresh(_ request: Request, _ context: RequestContext, _ body: RefreshBody) throws -> Response {
        let pair = try SessionStore(connection: context.connection(), config: context.config, now: context.now).rotate(
            body.refreshToken)
        return noStore(Response.success(pair, message: "Token refreshed"))
    }

    /// `POST /api/auth/logout`: revokes the session's refresh family and the access token itself.
    static func logout(_ request: Request, _ context: RequestContext, _ body: LogoutBody) throws -> Response {
        let principal = try context.principal()
        guard case .accessToken(let jti, let expires, let session) = principal.credential else {
            throw Problem.badRequest("Logout ends a token session; revoke an API key with DELETE /api/auth/keys/{id}.")
        }
        let connection = try context.connection()
        let sessions = SessionStore(connection: connection, config: context.config, now: context.now)
        try connection.transaction {
            if let session { try sessions.revokeFamily(session) }
            if let token = body.refreshToken,
                let family = try sessions.family(ofRefreshToken: token, memberID: principal.memberID)
            {
                try sessions.revokeFamily(family)
            }
            try sessions.revokeAccessToken(jti: jti, expires: expires)
        }
        return Response.empty(.noContent)
    }

    /// `GET /api/auth/me`: the caller.
    static func me(_ request: Request, _ context: RequestContext) throws -> Response {
        let principal = try context.principal()
        guard let member = try MemberStore(connection: context.connection()).member(id: principal.memberID) else {
            throw AuthError.invalidCredential
        }
        let via: String
        if case .apiKey = principal.credential { via = "api_key" } else { via = "access_token" }
        return Response.success(
            Me(member: member, scopes: principal.scopes.sorted().map(\.rawValue), authenticatedWith: via), message: "You")
    }

    private static func noStore(_ response: Response) -> Response {
        var response = response
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    private struct Me: Encodable {
        let member: Member
        let scopes: [String]
        let authenticatedWith: String
        enum CodingKeys: String, CodingKey {
            case member, scopes
            case authenticatedWith = "authenticated_with"
        }
        func encode(to encoder: any Encoder) throws {
            try member.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scopes, forKey: .scopes)
            try container.encode(authenticatedWith, forKey: .authenticatedWith)
        }
    }
}
