// `GET /api/webhooks/deliveries?limit=&cursor=`: the caller's webhook deliveries, newest first,
// each with its attempts — what a member looks at when their receiver missed something.
import HTTP

/// Handlers of the webhook endpoints.
enum WebhookHandlers {
    /// `GET /api/webhooks/deliveries`.
    static func deliveries(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let memberID = try context.principal().memberID
        let paging = try KeyPaging(query, sort: "-id", filter: "\(memberID)")
        let rows = try context.connection().query(
            """
            SELECT \(fragment: WebhookDelivery.columns) FROM webhook_deliveries d
            WHERE d.member_id = \(memberID) AND d.id < \(paging.position ?? Int64.max)
            ORDER BY d.id DESC LIMIT \(paging.limit + 1)
            """
        ).map(WebhookDelivery.init(row:))
        return paging.response(request, rows: rows, key: \.id, noun: "delivery", plural: "deliveries")
    }
}
