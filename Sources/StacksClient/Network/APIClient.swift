// Sends calls to one server and brings back a definite answer: each try with the same idempotency
// key (a fresh one per write), waits between tries by the retry policy (Retry-After honoured),
// and the caller's credential attached — refreshing an expired session first, or once after a 401.
import Foundation
import StacksWire

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client of one Stacks server.
public struct APIClient: Sendable {
    /// The server.
    public let server: ServerAddress
    /// What authenticates the calls; a session is replaced when it is refreshed.
    public private(set) var credential: Credential
    /// Where a refreshed session is kept; nil to keep it in memory only.
    public let store: CredentialStore?
    /// The retry rules.
    public let policy: RetryPolicy
    private let transport: any Transport
    private let clock: Clock

    /// A client of `server` sending with `transport`.
    public init(
        server: ServerAddress, credential: Credential, store: CredentialStore?, transport: any Transport = SessionTransport(),
        policy: RetryPolicy = .standard, clock: Clock = Clock()
    ) {
        self.server = server
        self.credential = credential
        self.store = store
        self.transport = transport
        self.policy = policy
        self.clock = clock
    }

    /// The answer to `call`; a 401 to an expired session is answered after one refresh.
    public mutating func send(_ call: APICall) async throws(ClientError) -> APIResponse {
        var refreshed = false
        if call.authenticated, case .session(let stored) = credential, stored.accessExpired(at: clock.now()) {
            try await refresh()
            refreshed = true
        }
        let key = call.carriesKey ? UUID().uuidString : nil
        while true {
            let response = try await perform(call, bearer: call.authenticated ? credential.bearer : nil, key: key)
            guard response.status == 401, call.authenticated, !refreshed, case .session = credential else { return response }
            try await refresh()
            refreshed = true
        }
    }

    /// A refresh is tried again for at most this many seconds of waiting: well within the server's
    /// grace (`STACKS_REFRESH_GRACE`, 30 s), in which the same refresh token gets the same pair.
    public static let refreshBudget: Double = 20

    /// Sends `call` until its answer is definite or the tries (of `policy`, else the client's) run out.
    func perform(_ call: APICall, bearer: String?, key: String?, policy: RetryPolicy? = nil) async throws(ClientError)
        -> APIResponse
    {
        let policy = policy ?? self.policy
        let request = request(for: call, bearer: bearer, key: key)
        var attempt = 0
        var waited = 0.0
        while true {
            attempt += 1
            var response: APIResponse?
            let decision: RetryDecision
            do {
                let (data, http) = try await transport.send(request)
                let answer = APIResponse(http: http, body: data)
                let retryAfter = answer.header("Retry-After").flatMap { RetryPolicy.seconds(retryAfter: $0, now: clock.now()) }
                decision = RetryDecision.after(
                    status: answer.status, slug: answer.problemSlug, retryAfter: retryAfter, resending: call.resending)
                response = answer
            } catch {
                decision = RetryDecision.after(error: error, resending: call.resending)
            }
            switch decision {
            case .accept:
                if let response {
                    if attempt > 1, response.header("Idempotent-Replayed") == "true" {
                        clock.note("stacks: the server replayed its answer to an earlier try: the write was done once")
                    }
                    return response
                }
            case .unreachable(let reason):
                throw .unreachable("\(server.key): \(reason)")
            case .retry(let reason, let retryAfter):
                let delay = policy.delay(after: attempt, retryAfter: retryAfter, unit: clock.random())
                guard policy.allowsAnother(after: attempt, waited: waited, delay: delay) else {
                    if let response { return response }
                    throw .unreachable("\(server.key): \(reason) (\(attempt) tr\(attempt == 1 ? "y" : "ies"))")
                }
                clock.note(
                    "stacks: \(reason); trying again in \(String(format: "%.1f", delay)) s (try \(attempt + 1) of \(policy.tries))"
                )
                await clock.sleep(delay)
                waited += delay
            }
        }
    }

    /// Rotates the session's tokens and keeps the new pair (in the credentials file too).
    mutating func refresh() async throws(ClientError) {
        guard case .session(var stored) = credential, let token = stored.refreshToken else { return }
        let call = APICall(
            "POST", "/api/auth/refresh", body: JSONText.encode(RefreshBody(refreshToken: token)), authenticated: false,
            resending: .harmless)
        var quick = policy
        quick.budget = min(policy.budget, Self.refreshBudget)
        let response = try await perform(call, bearer: nil, key: nil, policy: quick)
        if response.status == 401 {
            throw .problem(detail: "the session has ended; log in again with stacks login", status: 401)
        }
        let pair = try response.decoded(TokenPair.self)
        let now = clock.now()
        stored.take(pair, at: now)
        credential = .session(stored)
        try store?.update { (document: inout CredentialsDocument) throws(ClientError) in
            var entry = document.servers[server.key] ?? stored
            entry.take(pair, at: now)
            document.servers[server.key] = entry
        }
    }

    private func request(for call: APICall, bearer: String?, key: String?) -> URLRequest {
        var request = URLRequest(url: server.url(path: call.path, query: call.query))
        request.httpMethod = call.method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("stacks-cli", forHTTPHeaderField: "User-Agent")
        if call.method != "GET" {
            request.setValue(call.contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = call.body ?? Data()
        }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        return request
    }
}

extension APIResponse {
    /// The response `http` describes, with `body`.
    init(http: HTTPURLResponse, body: Data) {
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        self.init(status: http.statusCode, headers: headers, body: body)
    }
}
