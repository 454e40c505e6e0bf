// The API's success envelope `{success: true, data, message}` (and `meta` for lists): the shape the
// original demo's client reads, which the server writes and the command-line client unwraps.

/// A successful answer: the data, a human message, and for lists the paging facts.
public struct Envelope<Data> {
    /// Always true (a failure is a problem document instead).
    public let success: Bool
    /// What was asked for.
    public let data: Data
    /// A short sentence for people.
    public let message: String
    /// Paging facts of a list; nil otherwise.
    public let meta: PageMeta?

    /// A success envelope around `data`.
    public init(data: Data, message: String, meta: PageMeta? = nil) {
        self.success = true
        self.data = data
        self.message = message
        self.meta = meta
    }
}

extension Envelope: Encodable where Data: Encodable {}
extension Envelope: Decodable where Data: Decodable {}
extension Envelope: Sendable where Data: Sendable {}

/// Pagination facts of a list response.
public struct PageMeta: Sendable, Equatable, Codable {
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
}
