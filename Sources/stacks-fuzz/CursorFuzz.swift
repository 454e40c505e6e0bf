// Fuzz target `cursor`: opaque keyset cursors. An input without a NUL is a token as a client sends
// it; `QUERY\0JSON` is a book-list query string plus a cursor whose JSON is the part after the NUL,
// so that mutations reach the cursor's fields and the list's checks of them.
import Crypto
import HTTP
import Stacks

/// Cursor tokens and book-list queries with cursors, with their invariants.
enum CursorFuzz {
    /// Runs one input.
    static func run(_ input: [UInt8]) {
        guard let nul = input.firstIndex(of: 0) else {
            checkToken(String(decoding: input, as: UTF8.self))
            return
        }
        let query = String(decoding: input[..<nul], as: UTF8.self)
        let token = Base64URL.encode(Array(input[(nul + 1)...]))
        checkToken(token)
        checkBookList(query, token: token)
    }

    /// A decoded cursor re-encodes to a token that decodes to it, and that token is canonical.
    private static func checkToken(_ token: String) {
        guard let cursor = Cursor(token: token) else { return }
        let again = Cursor(token: cursor.token)
        invariant(again == cursor, "a cursor does not survive its own token")
        invariant(again?.token == cursor.token, "a cursor's token is not canonical")
    }

    /// The list accepts a cursor only if it fits the query, and always accepts the cursor it would
    /// issue for its next page.
    private static func checkBookList(_ base: String, token: String) {
        let list: BookListQuery
        do {
            list = try BookListQuery(Query(parsing: base + "&cursor=" + token))
        } catch {
            invariant(error.status == .badRequest, "a bad book-list query is not a 400")
            return
        }
        guard let cursor = list.cursor else { invariantBroken("the cursor parameter was lost in the query") }
        invariant(cursor.matches(sort: list.sortSpec, filter: list.filterFingerprint), "accepted another query's cursor")
        invariant(cursor.values.count == list.sort.count, "accepted a cursor with the wrong number of values")
        let values = zip(list.sort, cursor.values).map { key, value in key.sqlType == "text" ? value : "0" }
        let next = Cursor(sort: list.sortSpec, filterFingerprint: list.filterFingerprint, values: values)
        let reread = try? BookListQuery(Query(parsing: base + "&cursor=" + next.token))
        invariant(reread?.cursor == next, "the list refuses the cursor it issues")
    }
}
