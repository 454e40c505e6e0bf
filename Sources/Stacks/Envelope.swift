// Responses in the API's success envelope (StacksWire's `Envelope`, `{success: true, data, message}`
// and `meta` for lists), the shape the original demo's client reads. It belongs to this
// application, not to the HTTP layer.
import HTTP
import StacksWire

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

extension PageMeta: JSONWritable {
    /// Writes `{limit, next_cursor}`, the cursor null on the last page.
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("limit", limit)
            json.field("next_cursor", nextCursor)
        }
    }
}
