// Keyset pages over one integer key (loan ids, conversation ids, message numbers): reading the
// position from the cursor, and answering with `meta.next_cursor` and `Link: rel="next"`.
import HTTP
import StacksWire

/// Paging over a single integer key, bound to a sort name and a filter.
struct KeyPaging {
    /// The order, e.g. `-id` (newest first) or `seq`.
    let sort: String
    /// What the list is filtered by, so a cursor cannot move to another list.
    let filter: String
    /// The page size.
    let limit: Int

    /// Reads `limit` (default `defaultLimit`, at most 100) from the query.
    /// `maxKey` is the largest value the key's column holds (a larger cursor value is a 400).
    init(_ query: Query, sort: String, filter: String, defaultLimit: Int = 20, maxKey: Int64 = Int64.max) throws(Problem) {
        self.sort = sort
        self.filter = filter
        self.limit = try query.integer("limit", in: 1...100) ?? defaultLimit
        self.position = try Self.position(query.get("cursor"), sort: sort, filter: filter, maxKey: maxKey)
    }

    /// The key after which the page starts, from the cursor; nil on the first page.
    let position: Int64?

    private static func position(_ token: String?, sort: String, filter: String, maxKey: Int64) throws(Problem) -> Int64? {
        guard let token else { return nil }
        guard let cursor = Cursor(token: token), cursor.matches(sort: sort, filter: filter), cursor.values.count == 1,
            let key = Int64(cursor.values[0]), key >= 0, key <= maxKey
        else { throw Problem.badRequest("The cursor is not valid for this query; start again without it.") }
        return key
    }

    /// The response for rows fetched with `limit + 1`: the first `limit`, and a cursor if there are more.
    func response<Item: JSONWritable>(
        _ request: Request, rows: [Item], key: (Item) -> Int64, noun: String, plural: String? = nil
    ) -> Response {
        let page = Array(rows.prefix(limit))
        let next =
            rows.count > limit
            ? page.last.map { Cursor(sort: sort, filterFingerprint: filter, values: [String(key($0))]).token } : nil
        var response = Response.success(
            page, message: "\(page.count) \(page.count == 1 ? noun : plural ?? noun + "s")",
            meta: PageMeta(nextCursor: next, limit: limit))
        if let next { response.headers.set("Link", "<\(PageLinks.next(request, cursor: next))>; rel=\"next\"") }
        return response
    }
}
