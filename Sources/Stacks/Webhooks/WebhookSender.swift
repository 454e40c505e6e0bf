// The `webhook_delivery` job: one attempt to POST a notice to the member's receiver, signed with
// the member's secret, with the delivery's id so that the receiver can drop a repeat. The attempt
// is recorded whatever happens; a 2xx delivers, an error, a timeout, 408, 429 or 5xx is tried
// again with growing gaps until STACKS_WEBHOOK_RETRY_HOURS after the notice, any other answer
// ends the delivery (`dead`). A member who turned the webhook off meanwhile cancels it.
import Crypto
import Foundation
import Postgres

/// Sends webhook deliveries.
struct WebhookSender {
    let connection: Connection
    let config: Config
    let post: WebhookPost
    /// A number in 0...1 for the jitter of a retry's delay.
    let jitter: () -> Double

    /// One attempt of delivery `id`.
    func attempt(deliveryID id: Int64) throws -> JobResult {
        let rows = try connection.query(
            """
            SELECT d.status, d.body, d.event, d.attempts, extract(epoch FROM now() - d.created_at)::float8 AS age,
                   p.webhook_enabled, p.webhook_url, p.webhook_secret_kid, encode(p.webhook_secret_sealed, 'hex') AS sealed
            FROM webhook_deliveries d JOIN preferences_in_effect p ON p.member_id = d.member_id
            WHERE d.id = \(id) FOR UPDATE OF d
            """)
        guard let row = rows.first else { return .done("no delivery \(id)") }
        let status = try row.string("status")
        guard status == "pending" else { return .done("delivery \(id) is already \(status)") }
        guard try row.bool("webhook_enabled"), let url = row["webhook_url"] else {
            try connection.query("UPDATE webhook_deliveries SET status = 'cancelled', updated_at = now() WHERE id = \(id)")
            return .done("cancelled: the member turned the webhook off")
        }
        let body = Array(try row.string("body").utf8)
        let sealed = row["webhook_secret_kid"].flatMap { keyID in
            row["sealed"].flatMap(Hex.decode).map { SealedSecret(keyID: keyID, box: $0) }
        }
        let reply = send(id: id, event: try row.string("event"), body: body, url: url, memberSecret: sealed)
        let attempts = try row.int("attempts") + 1
        try connection.query(
            """
            INSERT INTO webhook_attempts (delivery_id, url, http_status, error, duration_ms)
            VALUES (\(id), \(url), \(reply.status), \(reply.error), \(reply.milliseconds))
            """)
        return try settle(id: id, reply: reply, attempts: attempts, age: row["age"].flatMap(Double.init) ?? 0)
    }

    /// Signs and posts the body; an unopenable secret is a failed attempt (as is a refused
    /// destination, which the HTTP client reports).
    private func send(id: Int64, event: String, body: [UInt8], url: String, memberSecret: SealedSecret?) -> WebhookReply {
        guard let sealed = memberSecret, let secret = WebhookSecrets(keys: config.webhookKeys).open(sealed) else {
            return WebhookReply(
                status: nil, error: "no signing secret could be opened (see STACKS_WEBHOOK_KEYS)", milliseconds: 0)
        }
        let timestamp = Int64(Date().timeIntervalSince1970)
        let headers = [
            (name: "Content-Type", value: "application/json"),
            (name: "Stacks-Delivery", value: String(id)),
            (name: "Stacks-Event", value: event),
            (name: "Stacks-Signature", value: WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)),
        ]
        return post(
            WebhookRequest(
                url: url, allowPrivate: config.webhookAllowPrivate, headers: headers, body: body,
                timeoutMS: config.webhookTimeoutMS))
    }

    /// Records where the delivery stands after this attempt and tells the runner what follows.
    private func settle(id: Int64, reply: WebhookReply, attempts: Int, age: Double) throws -> JobResult {
        let outcome = reply.status.map { "HTTP \($0)" } ?? reply.error ?? "no reply"
        if let status = reply.status, (200..<300).contains(status) {
            try mark(id, "delivered", attempts: attempts)
            return .done("delivered (\(outcome)) at attempt \(attempts)")
        }
        let retryable = reply.status.map { $0 >= 500 || $0 == 408 || $0 == 429 } ?? true
        let delay = JobRunner.backoff(afterAttempt: attempts, jitter: jitter())
        guard retryable, age + delay <= config.webhookRetrySeconds else {
            try mark(id, "dead", attempts: attempts)
            let why = retryable ? "retried for \(Int(config.webhookRetrySeconds)) s" : "not retried"
            return .dead("\(outcome); \(why)")
        }
        try mark(id, "pending", attempts: attempts)
        return .retry(after: delay, error: outcome)
    }

    private func mark(_ id: Int64, _ status: String, attempts: Int) throws {
        try connection.query(
            """
            UPDATE webhook_deliveries SET status = \(status), attempts = \(attempts), updated_at = now(),
                delivered_at = CASE WHEN \(status) = 'delivered' THEN now() END
            WHERE id = \(id)
            """)
    }
}
