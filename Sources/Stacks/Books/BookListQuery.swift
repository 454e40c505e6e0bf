// The parameters of `GET /api/books`: filters, an allow-listed multi-key sort, page size and
// cursor, parsed from the query string with a 400 for anything unknown or out of range.
import HTTP

/// A sort key of the book list.
package struct BookSortKey: Sendable, Equatable {
    /// The column, from the allow-list.
    package let column: String
    /// Whether the order is descending (`-` prefix).
    package let descending: Bool

    /// Sortable columns and the SQL type their cursor values are cast to.
    static let columns: [String: String] = ["id": "bigint", "title": "text", "author": "text", "year": "integer", "isbn": "text"]

    /// The SQL cast of this key's cursor value.
    package var sqlType: String { Self.columns[column]! }
}

/// A parsed book-list request.
package struct BookListQuery: Sendable, Equatable {
    package var text: String?
    var author: String?
    var available: Bool?
    var yearFrom: Int?
    var yearTo: Int?
    /// The sort keys, always ending with `id` so the order is total.
    package var sort: [BookSortKey]
    var limit: Int
    package var cursor: Cursor?

    static let parameterNames: Set<String> = ["q", "author", "available", "year_from", "year_to", "sort", "limit", "cursor"]
    static let defaultLimit = 20
    static let maxLimit = 100

    /// A first page in catalog order, by full-text `text` and/or `author` (for the assistant's searches).
    init(text: String?, author: String?, limit: Int) {
        self.text = text
        self.author = author
        sort = [BookSortKey(column: "id", descending: false)]
        self.limit = min(max(limit, 1), Self.maxLimit)
    }

    /// Parses and validates the query string.
    package init(_ query: Query) throws(Problem) {
        try query.allowOnly(Self.parameterNames)
        text = try Self.nonEmpty(query, "q", maxLength: 200)
        author = try Self.nonEmpty(query, "author", maxLength: 300)
        available = try query.boolean("available")
        yearFrom = try query.integer("year_from", in: -3000...3000)
        yearTo = try query.integer("year_to", in: -3000...3000)
        if let yearFrom, let yearTo, yearFrom > yearTo {
            throw Problem.badRequest("year_from must not be greater than year_to.")
        }
        sort = try Self.sortKeys(query.get("sort") ?? "id")
        limit = try query.integer("limit", in: 1...Self.maxLimit) ?? Self.defaultLimit
        if let token = query.get("cursor") {
            guard let cursor = Cursor(token: token), cursor.matches(sort: Self.spec(sort), filter: filterFingerprint),
                cursor.values.count == sort.count,
                zip(sort, cursor.values).allSatisfy({ key, value in
                    key.sqlType == "text"
                        ? value.unicodeScalars.count <= 500
                        : Int32(value) != nil || (key.sqlType == "bigint" && Int64(value) != nil)
                })
            else {
                throw Problem.badRequest("The cursor is not valid for this query; start again without it.")
            }
            self.cursor = cursor
        }
    }

    /// The sort as written back into cursors (`title,-year,id`).
    package var sortSpec: String { Self.spec(sort) }

    private static func spec(_ keys: [BookSortKey]) -> String {
        keys.map { ($0.descending ? "-" : "") + $0.column }.joined(separator: ",")
    }

    /// Identifies the filters, so a cursor cannot be replayed against another result set.
    package var filterFingerprint: String {
        [
            text ?? "", author ?? "", available.map { "\($0)" } ?? "", yearFrom.map(String.init) ?? "",
            yearTo.map(String.init) ?? "",
        ]
        .map { $0.replacingOccurrences(of: "\u{1}", with: "") }.joined(separator: "\u{1}")
    }

    private static func nonEmpty(_ query: Query, _ name: String, maxLength: Int) throws(Problem) -> String? {
        guard let value = query.get(name) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= maxLength else {
            throw Problem.badRequest("The query parameter '\(name)' must have 1 to \(maxLength) characters.")
        }
        return trimmed
    }

    private static func sortKeys(_ spec: String) throws(Problem) -> [BookSortKey] {
        var keys: [BookSortKey] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let descending = part.hasPrefix("-")
            let column = String(descending ? part.dropFirst() : part[...])
            guard BookSortKey.columns[column] != nil else {
                let known = BookSortKey.columns.keys.sorted().joined(separator: ", ")
                throw Problem.badRequest("Cannot sort by '\(column)'; sort by \(known), with '-' for descending.")
            }
            guard !keys.contains(where: { $0.column == column }) else {
                throw Problem.badRequest("The sort key '\(column)' appears more than once.")
            }
            keys.append(BookSortKey(column: column, descending: descending))
        }
        if !keys.contains(where: { $0.column == "id" }) { keys.append(BookSortKey(column: "id", descending: false)) }
        return keys
    }
}
