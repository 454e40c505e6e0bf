// What the client keeps for one server: the session of a login (access token, when it expires,
// refresh token) and/or an API key, with the email they belong to. The credentials file holds one
// per server; nothing else about the user is kept anywhere.
import Foundation
import StacksWire

/// One server's credentials.
public struct StoredCredential: Codable, Sendable, Equatable {
    /// The member's email, for `key create` and messages.
    public var email: String?
    /// The latest access token of the session.
    public var accessToken: String?
    /// When the access token expires, in seconds since 1970 (issue time + `expires_in`, by this clock).
    public var accessExpiresAt: Double?
    /// The session's current refresh token.
    public var refreshToken: String?
    /// An API key saved with `key create --save`.
    public var apiKey: String?

    /// Access tokens closer than this to their expiry are refreshed before use, in seconds.
    public static let expiryMargin: Double = 10

    /// Makes a credential.
    public init(
        email: String? = nil, accessToken: String? = nil, accessExpiresAt: Double? = nil, refreshToken: String? = nil,
        apiKey: String? = nil
    ) {
        self.email = email
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.refreshToken = refreshToken
        self.apiKey = apiKey
    }

    /// A login's credential: the pair received at `now`.
    public init(email: String, pair: TokenPair, at now: Date) {
        self.init(email: email)
        take(pair, at: now)
    }

    /// Replaces the session's tokens with a new pair received at `now`.
    public mutating func take(_ pair: TokenPair, at now: Date) {
        accessToken = pair.accessToken
        accessExpiresAt = now.timeIntervalSince1970 + Double(pair.expiresIn)
        refreshToken = pair.refreshToken
    }

    /// Whether the session's access token has expired (or is about to) at `now`.
    public func accessExpired(at now: Date) -> Bool {
        guard accessToken != nil else { return false }
        return (accessExpiresAt ?? 0) <= now.timeIntervalSince1970 + Self.expiryMargin
    }

    /// Whether it holds anything to authenticate with.
    public var isEmpty: Bool { accessToken == nil && refreshToken == nil && apiKey == nil }

    private enum CodingKeys: String, CodingKey {
        case email
        case accessToken = "access_token"
        case accessExpiresAt = "access_expires_at"
        case refreshToken = "refresh_token"
        case apiKey = "api_key"
    }
}

/// The credentials file: one entry per server, by its address.
public struct CredentialsDocument: Codable, Sendable, Equatable {
    /// The entries, by `ServerAddress.key`.
    public var servers: [String: StoredCredential]

    /// A document with these entries.
    public init(servers: [String: StoredCredential] = [:]) {
        self.servers = servers
    }
}
