// `GET /api/jobs?state=&limit=&cursor=`: librarians watch the job queue, newest first — failed and
// dead jobs with the error that stopped them.
import HTTP

/// Handlers of the job endpoints.
enum JobHandlers {
    /// The query parameters of `GET /api/jobs`.
    static let listQuery: Set<String> = ["state", "limit", "cursor"]

    /// `GET /api/jobs`: a page of jobs, newest first, optionally of one state.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let state = try query.oneOf("state", JobState.self)
        let paging = try KeyPaging(query, sort: "-id", filter: state?.rawValue ?? "")
        let rows = try JobStore(connection: context.connection()).page(
            state: state, before: paging.position, limit: paging.limit + 1)
        return paging.response(request, rows: rows, key: \.id, noun: "job")
    }
}
