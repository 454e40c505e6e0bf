// The sign-in shapes: what login, refresh, logout and generate-key are sent, and the token pair
// and new key they answer with. The server decodes the bodies strictly; the client encodes them.

/// `POST /api/auth/login`.
public struct LoginBody: Codable, Sendable, Equatable {
    /// The member's email.
    public let email: String
    /// The member's password.
    public let password: String

    /// A login body.
    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// `POST /api/auth/refresh`.
public struct RefreshBody: Codable, Sendable, Equatable {
    /// The refresh token to rotate.
    public let refreshToken: String

    /// A refresh body.
    public init(refreshToken: String) {
        self.refreshToken = refreshToken
    }

    private enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}

/// `POST /api/auth/logout` (the body is optional).
public struct LogoutBody: Codable, Sendable, Equatable {
    /// The session's refresh token, revoked with its family.
    public var refreshToken: String?

    /// A logout body, empty or naming the refresh token.
    public init(refreshToken: String? = nil) {
        self.refreshToken = refreshToken
    }

    private enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}

/// `POST /api/auth/generate-key`.
public struct GenerateKeyBody: Codable, Sendable, Equatable {
    /// Whose key: the caller's own email, or a guest's in open-key mode.
    public let email: String
    /// The member's password, when no credential is sent.
    public let password: String?
    /// A name to tell the key apart in a list.
    public let label: String?
    /// At most the member's scopes; nil for all of them.
    public let scopes: [String]?

    /// A generate-key body.
    public init(email: String, password: String? = nil, label: String? = nil, scopes: [String]? = nil) {
        self.email = email
        self.password = password
        self.label = label
        self.scopes = scopes
    }
}

/// What login and refresh return.
public struct TokenPair: Codable, Sendable, Equatable {
    /// An HS256 JWT.
    public let accessToken: String
    /// Always `Bearer`.
    public let tokenType: String
    /// Seconds the access token lives from now.
    public let expiresIn: Int
    /// The single-use token that gets the next pair.
    public let refreshToken: String
    /// The scopes, space-separated.
    public let scope: String

    /// A bearer token pair.
    public init(accessToken: String, expiresIn: Int, refreshToken: String, scope: String) {
        self.accessToken = accessToken
        self.tokenType = "Bearer"
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scope = scope
    }

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }
}

/// What generate-key returns: the key itself, shown only this once.
public struct GeneratedKey: Codable, Sendable, Equatable {
    /// The key, `stk_<prefix>_<secret>`.
    public let apiKey: String
    /// The member it belongs to.
    public let email: String
    /// Its id, for listing and revoking.
    public let keyID: Int64
    /// Its public prefix.
    public let prefix: String
    /// What it may do.
    public let scopes: [String]
    /// Its label, if any.
    public let label: String?

    /// A generated key.
    public init(apiKey: String, email: String, keyID: Int64, prefix: String, scopes: [String], label: String?) {
        self.apiKey = apiKey
        self.email = email
        self.keyID = keyID
        self.prefix = prefix
        self.scopes = scopes
        self.label = label
    }

    private enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case email, prefix, scopes, label
        case keyID = "key_id"
    }
}
