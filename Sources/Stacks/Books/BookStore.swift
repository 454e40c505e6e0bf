// The catalog's SQL: one book by id, and a keyset-paginated, filtered, sorted page of books.
// Every value travels as a bound parameter; only allow-listed column names enter the text.
import Postgres

/// Reads books from PostgreSQL.
struct BookStore {
    let connection: Connection

    /// The book with this id, if any.
    func book(id: Int64) throws -> Book? {
        try connection.query("SELECT \(Book.columns) FROM books WHERE id = $1", [String(id)]).first.map(Book.init(row:))
    }

    /// One page of books and the cursor of the next page (nil on the last page).
    func page(_ query: BookListQuery) throws -> (books: [Book], next: Cursor?) {
        var conditions: [String] = []
        var parameters: [String?] = []
        func bind(_ value: String) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        if let text = query.text { conditions.append("search @@ websearch_to_tsquery('english', \(bind(text)))") }
        if let author = query.author {
            conditions.append("author ILIKE '%' || \(bind(Self.escapeLike(author))) || '%'")
        }
        if let available = query.available { conditions.append(available ? "available_copies > 0" : "available_copies = 0") }
        if let from = query.yearFrom { conditions.append("year >= \(bind(String(from)))") }
        if let to = query.yearTo { conditions.append("year <= \(bind(String(to)))") }
        if let cursor = query.cursor {
            let values = cursor.values.map { bind($0) }
            conditions.append(Self.after(query.sort, values: values))
        }
        let order = query.sort.map { "\($0.column) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", ")
        let sql = """
            SELECT \(Book.columns) FROM books
            WHERE \(conditions.isEmpty ? "true" : conditions.joined(separator: " AND "))
            ORDER BY \(order) LIMIT \(query.limit + 1)
            """
        let rows = try connection.query(sql, parameters)
        let books = try rows.prefix(query.limit).map(Book.init(row:))
        guard rows.count > query.limit, let last = rows.prefix(query.limit).last else { return (books, nil) }
        let values = query.sort.map { last[$0.column] ?? "" }
        return (books, Cursor(sort: query.sortSpec, filterFingerprint: query.filterFingerprint, values: values))
    }

    /// `(k1 > v1) OR (k1 = v1 AND k2 < v2) OR …`: rows strictly after the cursor in this order.
    static func after(_ keys: [BookSortKey], values: [String]) -> String {
        var disjuncts: [String] = []
        for (index, key) in keys.enumerated() {
            var terms = (0..<index).map { "\(keys[$0].column) = \(values[$0])::\(keys[$0].sqlType)" }
            terms.append("\(key.column) \(key.descending ? "<" : ">") \(values[index])::\(key.sqlType)")
            disjuncts.append("(" + terms.joined(separator: " AND ") + ")")
        }
        return "(" + disjuncts.joined(separator: " OR ") + ")"
    }

    /// Escapes LIKE wildcards so an author filter matches literally.
    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
