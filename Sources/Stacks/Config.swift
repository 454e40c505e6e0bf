// The worker's configuration: read once from the environment at start, validated, and then
// only passed around as a value. `Config(environment:)` is pure so every rule is unit-tested.

import Crypto
import PlainHTTP

/// Why the environment was refused; the worker prints it on one line and exits 2.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The one-line reason.
    public let description: String
}

/// A JWT signing key with its id.
public struct JWTKey: Sendable, Equatable {
    /// The key id (`kid` header).
    public let id: String
    /// The HMAC secret bytes.
    public let secret: [UInt8]

    /// Makes a key from its id and secret bytes.
    package init(id: String, secret: [UInt8]) {
        self.id = id
        self.secret = secret
    }
}

/// A key that seals stored webhook secrets, with its id (kept next to what it sealed).
public struct SealingKey: Sendable, Equatable {
    /// The key id.
    public let id: String
    /// The key material (32 or more bytes; the box key is its SHA-256).
    public let secret: [UInt8]
}

/// Everything the worker takes from its environment.
public struct Config: Sendable, Equatable {
    /// JWT keys; the first signs, all verify.
    public var jwtKeys: [JWTKey]
    /// Requests served before the worker exits (0 = no limit).
    public var maxRequests: Int
    /// The largest accepted request body in bytes.
    public var maxBody: Int
    /// How long one read or write on a FastCGI connection may wait for the web server, in
    /// milliseconds, before the worker drops the connection.
    public var fastCGITimeoutMS: Int
    /// Per-statement time limit in milliseconds.
    public var statementTimeoutMS: Int
    /// Whether generate-key may create guest members for unknown emails.
    public var openKeys: Bool
    /// The `iss` of issued tokens, required of presented ones.
    public var jwtIssuer: String
    /// The `aud` of issued tokens, required of presented ones.
    public var jwtAudience: String
    /// Access-token lifetime in seconds.
    public var accessTTL: Int
    /// Refresh-token lifetime in seconds.
    public var refreshTTL: Int
    /// Seconds after a refresh in which the same refresh token, presented again, gets the same
    /// successor instead of revoking the session (0: never).
    public var refreshGrace: Int
    /// Active loans a member may hold at once.
    public var maxLoans: Int
    /// Renewals allowed per loan.
    public var maxRenewals: Int
    /// Seconds a stored idempotent response is kept.
    public var idempotencyTTL: Int
    /// Messages a conversation may hold (each post stores two); past it a post is a 409.
    public var chatMaxMessages: Int
    /// Open holds (waiting or awaiting pickup) a member may have at once.
    public var maxHolds: Int
    /// How long a captured copy waits on the hold shelf for its holder, in seconds.
    public var holdPickupSeconds: Double
    /// How long a job runner with nothing due waits before it looks again, in milliseconds.
    public var jobsPollMS: Int
    /// Attempts a failing job gets before it is `dead`.
    public var jobsMaxAttempts: Int
    /// Keys that seal webhook secrets; the first seals, all open. Empty: webhooks cannot be signed,
    /// so no secret can be made.
    public var webhookKeys: [SealingKey]
    /// How long one webhook attempt may take, in milliseconds.
    public var webhookTimeoutMS: Int
    /// How long a failing webhook delivery is retried before it is `dead`, in seconds.
    public var webhookRetrySeconds: Double
    /// Whether webhook URLs may reach loopback, private and link-local addresses (local stacks and tests only).
    public var webhookAllowPrivate: Bool
    /// Seconds between two scans of loans for due-soon and overdue notices.
    public var noticeScanSeconds: Int
    /// Whether statements are prepared once per connection (off behind pgbouncer before 1.21).
    public var preparedStatements: Bool
    /// Which assistant answers chat messages.
    public var assistant: AssistantKind
    /// How to reach the model; set exactly when `assistant` is `.llm`.
    public var model: ModelSettings?
    /// libpq connection keywords (`dbname` holds `DATABASE_URL` when set).
    public var databaseParameters: [String: String]

    /// The values `STACKS_MAX_LOANS` may take.
    static let maxLoansRange = 1...1000

    /// Names the worker reads.
    static let workerNames: Set<String> = [
        "STACKS_JWT_KEYS", "STACKS_MAX_REQUESTS", "STACKS_MAX_BODY", "STACKS_FASTCGI_TIMEOUT_MS", "STACKS_STATEMENT_TIMEOUT_MS",
        "STACKS_OPEN_KEYS", "STACKS_JWT_ISSUER", "STACKS_JWT_AUDIENCE", "STACKS_ACCESS_TTL", "STACKS_REFRESH_TTL",
        "STACKS_REFRESH_GRACE", "STACKS_MAX_LOANS", "STACKS_MAX_RENEWALS", "STACKS_IDEMPOTENCY_TTL",
        "STACKS_PREPARED_STATEMENTS", "STACKS_CHAT_MAX_MESSAGES", "STACKS_MAX_HOLDS", "STACKS_HOLD_PICKUP_DAYS",
        "STACKS_JOBS_POLL_MS", "STACKS_JOBS_MAX_ATTEMPTS", "STACKS_WEBHOOK_KEYS", "STACKS_WEBHOOK_TIMEOUT_MS",
        "STACKS_WEBHOOK_RETRY_HOURS", "STACKS_WEBHOOK_ALLOW_PRIVATE", "STACKS_NOTICE_SCAN_SECONDS",
        "STACKS_ASSISTANT", "STACKS_LLM_URL", "STACKS_LLM_MODEL", "STACKS_LLM_TIMEOUT_MS", "STACKS_LLM_API_KEY",
        "STACKS_LLM_MAX_TOOL_ROUNDS",
    ]
    /// Names the deploy scripts read; the worker accepts them and ignores them.
    static let deploymentNames: Set<String> = [
        "STACKS_HOME", "STACKS_PORT", "STACKS_PG_PORT", "STACKS_WORKERS", "STACKS_BIN", "STACKS_MODE",
        "STACKS_APP_ROLE", "STACKS_RUNNERS", "STACKS_AUTH_RATE", "STACKS_CLIENT_TIMEOUT_MS",
        "STACKS_HOSTS_NET", "STACKS_HOSTS_PREFIX",
    ]

    /// Reads and validates the configuration from an environment dictionary.
    public init(environment: [String: String]) throws(ConfigError) {
        let unknown = environment.keys.filter {
            $0.hasPrefix("STACKS_") && !Self.workerNames.contains($0) && !Self.deploymentNames.contains($0)
        }
        if let name = unknown.sorted().first {
            throw ConfigError(description: "unknown setting \(name) (see deploy/stacks.env.example)")
        }
        jwtKeys = try Self.keys(environment, "STACKS_JWT_KEYS").map { JWTKey(id: $0.id, secret: $0.secret) }
        maxRequests = try Self.integer(environment, "STACKS_MAX_REQUESTS", default: 0, in: 0...Int(Int32.max))
        maxBody = try Self.integer(environment, "STACKS_MAX_BODY", default: 1_048_576, in: 1024...104_857_600)
        fastCGITimeoutMS = try Self.integer(environment, "STACKS_FASTCGI_TIMEOUT_MS", default: 10_000, in: 100...600_000)
        statementTimeoutMS = try Self.integer(
            environment, "STACKS_STATEMENT_TIMEOUT_MS", default: 5000, in: 100...600_000)
        openKeys = try Self.boolean(environment, "STACKS_OPEN_KEYS", default: false)
        jwtIssuer = try Self.text(environment, "STACKS_JWT_ISSUER", default: "stacks")
        jwtAudience = try Self.text(environment, "STACKS_JWT_AUDIENCE", default: "stacks-api")
        accessTTL = try Self.integer(environment, "STACKS_ACCESS_TTL", default: 900, in: 60...86_400)
        refreshTTL = try Self.integer(environment, "STACKS_REFRESH_TTL", default: 2_592_000, in: 300...31_536_000)
        refreshGrace = try Self.integer(environment, "STACKS_REFRESH_GRACE", default: 30, in: 0...300)
        maxLoans = try Self.integer(environment, "STACKS_MAX_LOANS", default: 5, in: Self.maxLoansRange)
        maxRenewals = try Self.integer(environment, "STACKS_MAX_RENEWALS", default: 2, in: 0...100)
        idempotencyTTL = try Self.integer(environment, "STACKS_IDEMPOTENCY_TTL", default: 86_400, in: 60...2_592_000)
        preparedStatements = try Self.boolean(environment, "STACKS_PREPARED_STATEMENTS", default: true)
        chatMaxMessages = try Self.integer(environment, "STACKS_CHAT_MAX_MESSAGES", default: 1000, in: 2...1_000_000)
        maxHolds = try Self.integer(environment, "STACKS_MAX_HOLDS", default: 10, in: 1...1000)
        holdPickupSeconds = try Self.days(environment, "STACKS_HOLD_PICKUP_DAYS", default: 7, in: 0.000_01...365)
        jobsPollMS = try Self.integer(environment, "STACKS_JOBS_POLL_MS", default: 1000, in: 10...60_000)
        jobsMaxAttempts = try Self.integer(environment, "STACKS_JOBS_MAX_ATTEMPTS", default: 10, in: 1...100)
        webhookKeys =
            environment["STACKS_WEBHOOK_KEYS", default: ""].isEmpty
            ? [] : try Self.keys(environment, "STACKS_WEBHOOK_KEYS").map { SealingKey(id: $0.id, secret: $0.secret) }
        webhookTimeoutMS = try Self.integer(environment, "STACKS_WEBHOOK_TIMEOUT_MS", default: 5000, in: 100...60_000)
        webhookRetrySeconds = try Self.number(environment, "STACKS_WEBHOOK_RETRY_HOURS", default: 24, in: 0.001...720) * 3600
        webhookAllowPrivate = try Self.boolean(environment, "STACKS_WEBHOOK_ALLOW_PRIVATE", default: false)
        noticeScanSeconds = try Self.integer(environment, "STACKS_NOTICE_SCAN_SECONDS", default: 60, in: 1...3600)
        (assistant, model) = try Self.assistant(environment)
        databaseParameters = [
            "application_name": "stacks-fcgi",
            "connect_timeout": "3",
            "options": "-c statement_timeout=\(statementTimeoutMS)",
        ]
        if let url = environment["DATABASE_URL"], !url.isEmpty { databaseParameters["dbname"] = url }
    }

    /// STACKS_ASSISTANT and the STACKS_LLM_* settings: each checked whenever it is set, and the
    /// URL and model required for `llm`.
    private static func assistant(_ environment: [String: String]) throws(ConfigError) -> (AssistantKind, ModelSettings?) {
        let name = environment["STACKS_ASSISTANT", default: ""]
        guard let kind = name.isEmpty ? .librarian : AssistantKind(rawValue: name) else {
            throw ConfigError(description: "STACKS_ASSISTANT must be librarian or llm, not '\(name)'")
        }
        let timeout = try integer(environment, "STACKS_LLM_TIMEOUT_MS", default: 20_000, in: ModelSettings.timeoutRange)
        let rounds = try integer(environment, "STACKS_LLM_MAX_TOOL_ROUNDS", default: 4, in: 1...16)
        let url = environment["STACKS_LLM_URL", default: ""]
        let endpoint: PlainURL?
        do {
            endpoint = url.isEmpty ? nil : try ModelSettings.endpoint(base: url)
        } catch {
            throw ConfigError(
                description: "STACKS_LLM_URL must be an http:// base URL such as http://127.0.0.1:8081 (\(error); "
                    + "for https, see the README's model backend section)")
        }
        let model = environment["STACKS_LLM_MODEL", default: ""]
        guard model.count <= 200, model.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\0" }) else {
            throw ConfigError(description: "STACKS_LLM_MODEL must be at most 200 ASCII characters on one line")
        }
        let key = environment["STACKS_LLM_API_KEY", default: ""]
        guard key.count <= 4096, key.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\0" }) else {
            throw ConfigError(description: "STACKS_LLM_API_KEY must be printable ASCII without spaces or line breaks")
        }
        guard kind == .llm else { return (kind, nil) }
        guard let endpoint, !model.isEmpty else {
            throw ConfigError(description: "STACKS_ASSISTANT=llm needs STACKS_LLM_URL and STACKS_LLM_MODEL")
        }
        return (
            kind,
            ModelSettings(
                endpoint: endpoint, model: model, timeoutMS: timeout, apiKey: key.isEmpty ? nil : key, maxToolRounds: rounds)
        )
    }

    private static func keys(_ environment: [String: String], _ name: String) throws(ConfigError) -> [SealingKey] {
        guard let text = environment[name], !text.isEmpty else {
            throw ConfigError(description: "\(name) is required: kid:secret[,kid:secret…], secrets of 32+ bytes")
        }
        var keys: [SealingKey] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty,
                parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw ConfigError(description: "\(name): each entry must be kid:secret with a kid of [A-Za-z0-9_-]")
            }
            let secret = Array(parts[1].utf8)
            guard secret.count >= 32 else {
                throw ConfigError(description: "\(name): the secret of key '\(parts[0])' is shorter than 32 bytes")
            }
            guard !keys.contains(where: { $0.id == parts[0] }) else {
                throw ConfigError(description: "\(name): key id '\(parts[0])' appears twice")
            }
            keys.append(SealingKey(id: String(parts[0]), secret: secret))
        }
        return keys
    }

    private static func integer(
        _ environment: [String: String], _ name: String, default value: Int, in range: ClosedRange<Int>
    ) throws(ConfigError) -> Int {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigError(
                description: "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// A number of days, fractions allowed (so that tests can use seconds), as seconds.
    private static func days(
        _ environment: [String: String], _ name: String, default value: Double, in range: ClosedRange<Double>
    ) throws(ConfigError) -> Double {
        try number(environment, name, default: value, in: range) * 86_400
    }

    /// A decimal number without sign or exponent (fractions allowed) within `range`.
    private static func number(
        _ environment: [String: String], _ name: String, default value: Double, in range: ClosedRange<Double>
    ) throws(ConfigError) -> Double {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let number = Double(text), range.contains(number)
        else {
            throw ConfigError(
                description: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    private static func text(_ environment: [String: String], _ name: String, default value: String) throws(ConfigError) -> String
    {
        guard let text = environment[name] else { return value }
        guard (1...200).contains(text.count), text.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ConfigError(description: "\(name) must be 1 to 200 printable ASCII characters without spaces")
        }
        return text
    }

    private static func boolean(_ environment: [String: String], _ name: String, default value: Bool) throws(ConfigError) -> Bool
    {
        switch environment[name] {
        case nil, "": return value
        case "true": return true
        case "false": return false
        case let text?: throw ConfigError(description: "\(name) must be true or false, not '\(text)'")
        }
    }
}

extension Config {
    /// The signer and verifier of access tokens for these keys, issuer and audience.
    var tokenSigner: TokenSigner { TokenSigner(keys: jwtKeys, issuer: jwtIssuer, audience: jwtAudience) }

    /// argon2id at OWASP's minimum (m = 19 MiB, t = 2); raising it re-hashes at the next login.
    var passwordHasher: PasswordHasher { .owaspMinimum }
}
