// The API's success envelope `{success: true, data, message}` (and `meta` for lists), the shape
// the original demo's client reads. It belongs to this application, not to the HTTP layer.
import HTTP

extension Response {
    /// The success envelope `{success: true, data, message}` (and `meta` for lists) as JSON.
    static func success<Data: Encodable>(
        _ data: Data, message: String, status: Status = .ok, meta: PageMeta? = nil
    ) -> Response {
        let envelope = Envelope(data: data, message: message, meta: meta)
        return Response(
            status: status, headers: Headers([("Content-Type", "application/json")]),
            body: JSONCoding.encode(envelope))
    }
}

extension Response {
    /// The success envelope of a value that writes its own JSON: the same bytes as the Encodable
    /// form above, without Foundation's encoder.
    static func success<Data: JSONWritable>(
        _ data: Data, message: String, status: Status = .ok, meta: PageMeta? = nil
    ) -> Response {
        var json = JSONWriter(capacity: 512)
        json.object { json in
            json.field("data", data)
            json.field("message", message)
            if let meta { json.field("meta", meta) }
            json.field("success", true)
        }
        return Response(status: status, headers: Headers([("Content-Type", "application/json")]), body: json.bytes)
    }
}

/// Pagination facts of a list response.
struct PageMeta: Sendable, JSONWritable, Equatable {
    /// The opaque cursor of the next page, or nil on the last page.
    let nextCursor: String?
    /// The page size used.
    let limit: Int

    /// Makes list metadata.
    init(nextCursor: String?, limit: Int) {
        self.nextCursor = nextCursor
        self.limit = limit
    }

    private enum CodingKeys: String, CodingKey {
        case nextCursor = "next_cursor"
        case limit
    }

    /// Encodes `next_cursor` as null on the last page rather than leaving it out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(nextCursor, forKey: .nextCursor)
        try container.encode(limit, forKey: .limit)
    }

    /// Writes `{limit, next_cursor}`, the cursor null on the last page.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("limit", limit)
            json.field("next_cursor", nextCursor)
        }
    }
}

private struct Envelope<Data: Encodable>: Encodable {
    let success = true
    let data: Data
    let message: String
    let meta: PageMeta?
}
