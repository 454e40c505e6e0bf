// A webhook delivery as `GET /api/webhooks/deliveries` shows it: which notice, where it stands
// (pending, delivered, dead, cancelled) and every attempt with its HTTP status, time and error.
import Foundation
import HTTP
import Postgres

/// One notice's journey to the member's webhook receiver.
struct WebhookDelivery: JSONWritable, Equatable, Sendable {
    let id: Int64
    let noticeID: Int64
    let event: String
    let status: String
    let createdAt: String
    let deliveredAt: String?
    let attempts: [WebhookAttempt]

    /// The columns `init(row:)` reads, from deliveries `d`; the attempts as one JSON array.
    static let columns: SQL = """
        d.id, d.notice_id, d.event, d.status, \(fragment: SQLTime.iso("d.created_at")) AS created_at,
        \(fragment: SQLTime.iso("d.delivered_at")) AS delivered_at,
        (SELECT coalesce(json_agg(json_build_object(
             'attempted_at', api_time(a.attempted_at), 'url', a.url, 'http_status', a.http_status, 'error', a.error,
             'duration_ms', a.duration_ms) ORDER BY a.id), '[]')
         FROM webhook_attempts a WHERE a.delivery_id = d.id)::text AS attempts
        """

    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        noticeID = try row.int64("notice_id")
        event = try row.string("event")
        status = try row.string("status")
        createdAt = try row.string("created_at")
        deliveredAt = row["delivered_at"]
        do {
            attempts = try JSONDecoder().decode([WebhookAttempt].self, from: Data(try row.string("attempts").utf8))
        } catch {
            throw PostgresError(.server(SQLState("XX000")), message: "delivery \(id): attempts are not readable JSON")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, event, status, attempts
        case noticeID = "notice_id"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(noticeID, forKey: .noticeID)
        try container.encode(event, forKey: .event)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
        try container.encode(attempts, forKey: .attempts)
    }

    /// Writes the delivery through Foundation's encoder (not a hot path).
    func write(to json: inout JSONWriter) {
        json.raw(JSONCoding.encode(self))
    }
}

/// One POST of a delivery: when, where, and the HTTP status or the error.
struct WebhookAttempt: Codable, Equatable, Sendable {
    let attemptedAt: String
    let url: String
    let httpStatus: Int?
    let error: String?
    let durationMS: Int

    private enum CodingKeys: String, CodingKey {
        case url, error
        case attemptedAt = "attempted_at"
        case httpStatus = "http_status"
        case durationMS = "duration_ms"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(attemptedAt, forKey: .attemptedAt)
        try container.encode(url, forKey: .url)
        try container.encode(httpStatus, forKey: .httpStatus)
        try container.encode(error, forKey: .error)
        try container.encode(durationMS, forKey: .durationMS)
    }
}
