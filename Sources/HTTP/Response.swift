// The response value handlers return: status, headers and body bytes, plus the JSON helpers
// for the API's success envelope `{success, data, message}`.

/// An HTTP response.
public struct Response: Sendable, Equatable {
    /// The status line.
    public var status: Status
    /// The header fields, `Content-Type` among them.
    public var headers: Headers
    /// The body bytes.
    public var body: [UInt8]

    /// Makes a response.
    public init(status: Status = .ok, headers: Headers = Headers(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A bodiless response, e.g. 204 or 304.
    public static func empty(_ status: Status, headers: Headers = Headers()) -> Response {
        Response(status: status, headers: headers)
    }

    /// The success envelope `{success: true, data, message}` (and `meta` for lists) as JSON.
    public static func success<Data: Encodable>(
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
    public static func success<Data: JSONWritable>(
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
public struct PageMeta: Sendable, JSONWritable, Equatable {
    /// The opaque cursor of the next page, or nil on the last page.
    public let nextCursor: String?
    /// The page size used.
    public let limit: Int

    /// Makes list metadata.
    public init(nextCursor: String?, limit: Int) {
        self.nextCursor = nextCursor
        self.limit = limit
    }

    private enum CodingKeys: String, CodingKey {
        case nextCursor = "next_cursor"
        case limit
    }

    /// Encodes `next_cursor` as null on the last page rather than leaving it out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(nextCursor, forKey: .nextCursor)
        try container.encode(limit, forKey: .limit)
    }

    /// Writes `{limit, next_cursor}`, the cursor null on the last page.
    public func write(to json: inout JSONWriter) {
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
