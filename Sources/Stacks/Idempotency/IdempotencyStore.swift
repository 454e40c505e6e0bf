// Retry safety: the key is claimed (INSERT … ON CONFLICT DO NOTHING on principal and key), the
// effect runs, and the response is stored, all in one transaction. A retry gets the stored bytes;
// a retry while the first is still running waits on its row briefly, then gets 409.
import HTTP
import Postgres

/// Runs keyed requests at most once per (principal, key).
struct IdempotencyStore {
    let connection: Connection
    /// Seconds a stored response is honoured.
    let ttl: Int

    /// How long a retry waits for a running first request before answering 409.
    static let inFlightWait = "250ms"

    /// Whose keys a caller's are: keys are scoped to the member.
    static func principal(_ caller: Principal) -> String { "member:\(caller.memberID)" }

    /// The response of the first request with this key, running `effect` only if there was none.
    func run(principal: String, key: IdempotencyKey, request: Request, _ effect: () throws -> Response) throws -> Response {
        let fingerprint = IdempotencyKey.fingerprint(of: request)
        return try connection.transaction {
            if let stored = try claim(principal: principal, key: key.value, fingerprint: fingerprint) {
                return stored
            }
            var response: Response
            do {
                response = try connection.transaction(effect)
            } catch {
                // A refused request is an outcome too: the retry gets the same refusal. A failure
                // of the server (5xx) is not: it rolls back, and the retry runs again.
                // Nor is a refusal that asks for the same request again (a race it lost): nothing is kept.
                let problem = ErrorCatalogue.problem(for: error).problem
                guard problem.status.code < 500, !ErrorCatalogue.invitesRetry(error) else { throw error }
                response = problem.response(requestID: request.requestID)
            }
            try connection.query(
                """
                UPDATE idempotency_keys
                SET status = \(response.status.code), headers = \(Self.storedHeaders(response.headers)),
                    body = \(String(decoding: response.body, as: UTF8.self))
                WHERE principal = \(principal) AND key = \(key.value)
                """)
            return response
        }
    }

    /// The response the first request with this key stored, if it has finished and is not expired,
    /// read without claiming the key; a key used for another request is refused (422).
    func stored(principal: String, key: IdempotencyKey, request: Request) throws -> Response? {
        let rows = try connection.query(
            """
            SELECT fingerprint, status, headers, body FROM idempotency_keys
            WHERE principal = \(principal) AND key = \(key.value) AND status IS NOT NULL
                  AND created_at >= now() - make_interval(secs => \(ttl)::int)
            """)
        guard let row = rows.first else { return nil }
        guard try row.string("fingerprint") == IdempotencyKey.fingerprint(of: request) else { throw IdempotencyError.reused }
        return try Self.replay(row)
    }

    /// Claims the key (nil), or returns what the first request with it produced.
    private func claim(principal: String, key: String, fingerprint: String) throws -> Response? {
        try connection.query("SET LOCAL lock_timeout = '\(unescaped: Self.inFlightWait)'")
        let claimed: Bool
        do {
            claimed = try !connection.query(
                """
                INSERT INTO idempotency_keys (principal, key, fingerprint) VALUES (\(principal), \(key), \(fingerprint))
                ON CONFLICT (principal, key) DO NOTHING RETURNING true AS claimed
                """
            ).isEmpty
        } catch {
            if error.sqlState == .lockNotAvailable { throw IdempotencyError.inFlight }
            throw error
        }
        try connection.query("SET LOCAL lock_timeout = DEFAULT")
        if claimed { return nil }
        let rows = try connection.query(
            """
            SELECT fingerprint, status, headers, body, created_at < now() - make_interval(secs => \(ttl)::int) AS expired
            FROM idempotency_keys WHERE principal = \(principal) AND key = \(key) FOR UPDATE
            """)
        guard let row = rows.first else { throw IdempotencyError.inFlight }
        if try row.bool("expired") {
            // Older than the retention period: the key starts over, as if purged.
            try connection.query(
                """
                UPDATE idempotency_keys
                SET fingerprint = \(fingerprint), status = NULL, headers = NULL, body = NULL, created_at = now()
                WHERE principal = \(principal) AND key = \(key)
                """)
            return nil
        }
        guard try row.string("fingerprint") == fingerprint else { throw IdempotencyError.reused }
        return try Self.replay(row)
    }

    /// The stored response of a key's row, marked as a replay.
    private static func replay(_ row: Row) throws -> Response {
        var headers = parseHeaders(try row.string("headers"))
        headers.set("Idempotent-Replayed", "true")
        // The status keeps its standard reason phrase: a replay differs from the first answer only in its header.
        return Response(status: Status(code: try row.int("status")), headers: headers, body: Array(try row.string("body").utf8))
    }

    /// The headers worth replaying, one `Name: value` per line.
    static func storedHeaders(_ headers: Headers) -> String {
        let kept: Set<String> = ["content-type", "location", "etag", "link", "cache-control", "retry-after", "allow"]
        return headers.filter { kept.contains($0.name.lowercased()) }.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    static func parseHeaders(_ text: String) -> Headers {
        var headers = Headers()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst()))
        }
        return headers
    }
}

/// What an idempotency key refuses; ErrorCatalogue.swift maps each to its problem.
enum IdempotencyError: Error, Equatable {
    /// The first request with this key has not finished (409 with Retry-After).
    case inFlight
    /// The key was used for a different request (422).
    case reused
}
