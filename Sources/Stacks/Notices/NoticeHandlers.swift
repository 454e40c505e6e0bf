// `GET /api/notices?unread=true&limit=&cursor=` and `POST /api/notices/{id}/read`: a member's inbox.
import HTTP

/// Handlers of the notice endpoints.
enum NoticeHandlers {
    /// The query parameters of `GET /api/notices`.
    static let listQuery: Set<String> = ["unread", "limit", "cursor"]

    /// `GET /api/notices`: the caller's notices, newest first; `unread=true` leaves out the read ones.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let unreadOnly = try query.boolean("unread") ?? false
        let memberID = try context.principal().memberID
        let paging = try KeyPaging(query, sort: "-id", filter: "\(unreadOnly)|\(memberID)")
        let rows = try NoticeStore(connection: context.connection()).page(
            memberID: memberID, unreadOnly: unreadOnly, before: paging.position, limit: paging.limit + 1)
        return paging.response(request, rows: rows, key: \.id, noun: "notice")
    }

    /// `POST /api/notices/{id}/read`.
    static func markRead(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        guard
            let notice = try NoticeStore(connection: context.connection()).markRead(
                id: id, memberID: context.principal().memberID)
        else { throw Problem(.notFound, detail: "You have no notice \(id).") }
        return Response.success(notice, message: "Marked notice \(id) read")
    }
}
