// What authenticates a command: STACKS_API_KEY when set, else this server's entry in the
// credentials file (a login's session first, a saved API key next), else nothing — the server
// then answers 401 itself.

/// The credential a client sends.
public enum Credential: Sendable, Equatable {
    /// None: the request goes without `Authorization`.
    case none
    /// An API key, from STACKS_API_KEY or the file.
    case apiKey(String)
    /// A login's session from the file, refreshed when it expires.
    case session(StoredCredential)

    /// The credential for `server`: STACKS_API_KEY in `environment`, else the stored entry.
    public static func chosen(environment: [String: String], stored: StoredCredential?) -> Credential {
        if let key = environment["STACKS_API_KEY"], !key.isEmpty { return .apiKey(key) }
        guard let stored else { return .none }
        if stored.accessToken != nil || stored.refreshToken != nil { return .session(stored) }
        if let key = stored.apiKey { return .apiKey(key) }
        return .none
    }

    /// The bearer token it sends, if any.
    public var bearer: String? {
        switch self {
        case .none: nil
        case .apiKey(let key): key
        case .session(let stored): stored.accessToken
        }
    }
}
