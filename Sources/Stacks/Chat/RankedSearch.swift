// The assistant's catalog search, most relevant first. Words search titles and subjects with the
// full-text index (every word must match), ranked by title start, cover density and length; an
// author's name is matched word by word at word starts, so initials and punctuation do not matter
// ("robert martin" and "Robert C. Martin"). When nothing matches exactly, titles and authors
// spelled alike are found by pg_trgm's word similarity ("teh pragmatic programer", "dikens").
import Postgres
import StacksWire

/// Ranked catalog searches on one connection.
struct RankedSearch {
    let connection: Connection

    /// The least word similarity of a misspelt name that counts as near.
    static let nameSimilarity = "0.45"

    /// How many words of a name or phrase are searched; the rest are ignored.
    static let maxWords = 8

    /// A page of books for a search, with the number of matches in all.
    func run(_ search: CatalogSearch, offset: Int, limit: Int) throws -> Found {
        let text: String
        let exact: SQL
        let exactOrder: SQL
        let fuzzy: SQL
        let column: String
        switch search {
        case .words(let words):
            text = Self.clean(words)
            exact = "search @@ plainto_tsquery('english', \(text))"
            // Titles that start with the words, then cover density over the stored vector, then
            // the shorter title ("Machine Learning" before "Pattern Recognition and Machine
            // Learning"): no per-row trigram work on the common path (35 matches of "design":
            // 0.9 ms ordered by word similarity, 0.4 ms without).
            exactOrder = """
                starts_with(lower(title), \(text)) DESC, ts_rank_cd(search, plainto_tsquery('english', \(text))) DESC,
                length(title), id
                """
            fuzzy = "(\(text) <% title OR \(text) <% author)"
            column = "title"
        case .author(let name):
            text = Self.clean(name)
            let words = text.split(separator: " ").map(String.init)
            guard !words.isEmpty else { return Found(books: [], total: 0, approximate: false) }
            // An ILIKE per word lets the trigram index narrow the rows; the regular expression
            // then keeps a word only where it starts a word of the name ("c" matches "C.").
            exact = words.map { word -> SQL in
                word.count >= 3
                    ? "(author ILIKE \("%" + word + "%") AND author ~* \("\\m" + word))" : "author ~* \("\\m" + word)"
            }.joined(separator: " AND ")
            fuzzy = "\(text) <% author"
            column = "author"
            exactOrder = Self.similarityOrder(text, column)
        }
        guard !text.isEmpty else { return Found(books: [], total: 0, approximate: false) }
        let found = try page(where: exact, order: exactOrder, offset: offset, limit: limit)
        guard found.total == 0 else { return Found(books: found.books, total: found.total, approximate: false) }
        // A name one letter off ("dikens" and "Dickens" share half their trigrams) falls under
        // pg_trgm's default 0.6: for names the threshold is lowered, for this transaction only.
        // Titles keep 0.6, under which a subject the catalog lacks ("cooking") finds nothing.
        let near = try connection.transaction {
            try connection.query(
                "SELECT set_config('pg_trgm.word_similarity_threshold', \(column == "author" ? Self.nameSimilarity : "0.6"), true)"
            )
            return try page(where: fuzzy, order: Self.similarityOrder(text, column), offset: offset, limit: limit)
        }
        return Found(books: near.books, total: near.total, approximate: true)
    }

    /// Most alike first: word similarity to the title or the author, then similarity of the whole column.
    private static func similarityOrder(_ text: String, _ column: String) -> SQL {
        """
        greatest(word_similarity(\(text), title), word_similarity(\(text), author)) DESC,
        similarity(\(text), \(unescaped: column)) DESC, id
        """
    }

    private func page(where condition: SQL, order: SQL, offset: Int, limit: Int) throws -> (books: [Book], total: Int) {
        let rows = try connection.query(
            """
            SELECT \(fragment: Book.columns), count(*) OVER () AS total FROM books
            WHERE \(fragment: condition)
            ORDER BY \(fragment: order)
            LIMIT \(limit) OFFSET \(offset)
            """, prepared: false)
        if rows.isEmpty && offset > 0 {
            // Past the end: the count still tells how many there were.
            let total = try connection.query("SELECT count(*) AS total FROM books WHERE \(fragment: condition)", prepared: false)
            return ([], try total.first?.int("total") ?? 0)
        }
        return (try rows.map(Book.init(row:)), try rows.first?.int("total") ?? 0)
    }

    /// Letters and digits of the first `limit` words, lower case, single spaces.
    static func clean(_ text: String, limit: Int = maxWords) -> String {
        text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " }.split(separator: " ").prefix(limit)
            .map { String($0) }.joined(separator: " ")
    }
}
