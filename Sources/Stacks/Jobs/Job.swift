// A row of `jobs` as librarians see it in GET /api/jobs: what is to be done (kind, payload), when
// (run_at), and how it went (state, attempts, the last error).
import Foundation
import HTTP
import Postgres
import StacksWire

/// One unit of background work.
struct Job: JSONWritable, Equatable, Sendable {
    let id: Int64
    let kind: String
    /// The kind's arguments, a JSON object.
    let payload: JSONValue
    let state: JobState
    let runAt: String
    let attempts: Int
    let lastError: String?
    let dedupeKey: String?
    let createdAt: String
    let updatedAt: String
    let doneAt: String?

    /// The columns `init(row:)` reads, from job rows named `j`.
    static let columns: SQL = """
        j.id, j.kind, j.payload::text AS payload, j.state, \(fragment: SQLTime.iso("j.run_at")) AS run_at, j.attempts,
        j.last_error, j.dedupe_key, \(fragment: SQLTime.iso("j.created_at")) AS created_at,
        \(fragment: SQLTime.iso("j.updated_at")) AS updated_at, \(fragment: SQLTime.iso("j.done_at")) AS done_at
        """

    private enum CodingKeys: String, CodingKey {
        case id, kind, payload, state, attempts
        case runAt = "run_at"
        case lastError = "last_error"
        case dedupeKey = "dedupe_key"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case doneAt = "done_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(payload, forKey: .payload)
        try container.encode(state, forKey: .state)
        try container.encode(runAt, forKey: .runAt)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(dedupeKey, forKey: .dedupeKey)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(doneAt, forKey: .doneAt)
    }

    /// Writes the fields in sorted order, as `encode(to:)` gives them; the payload through Foundation
    /// (a rare, free-form document, not worth a writer of its own).
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("attempts", attempts)
            json.field("created_at", createdAt)
            json.field("dedupe_key", dedupeKey)
            json.field("done_at", doneAt)
            json.field("id", id)
            json.field("kind", kind)
            json.field("last_error", lastError)
            json.key("payload")
            json.raw(JSONCoding.encode(payload))
            json.field("run_at", runAt)
            json.field("state", state.rawValue)
            json.field("updated_at", updatedAt)
        }
    }
}

extension Job {
    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        kind = try row.string("kind")
        let payloadText = try row.string("payload")
        guard let payload = JSONValue(json: payloadText) else {
            throw PostgresError(.server(SQLState("XX000")), message: "job \(id): payload is not JSON")
        }
        self.payload = payload
        let stateText = try row.string("state")
        guard let state = JobState(rawValue: stateText) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown job state '\(stateText)'")
        }
        self.state = state
        runAt = try row.string("run_at")
        attempts = try row.int("attempts")
        lastError = row["last_error"]
        dedupeKey = row["dedupe_key"]
        createdAt = try row.string("created_at")
        updatedAt = try row.string("updated_at")
        doneAt = row["done_at"]
    }
}

/// Where a job stands: waiting to run, failed and waiting to run again, done, or given up on.
enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, failed, done, dead
}
