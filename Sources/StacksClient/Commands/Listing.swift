// The list commands' shared walk: one page (a note on stderr when there are more), or with --all
// every page by `next_cursor`, 100 at a time, with a progress line on stderr; then a table, or
// with --json the items as one array.
import Foundation
import StacksWire

/// A list endpoint and how its items show in a table.
struct Listing {
    /// The list's path.
    let path: String
    /// Its filters.
    var query: [URLQueryItem]
    /// What the items are, plural ("books").
    let noun: String
    /// The table's columns.
    let columns: [Column]
    /// One item's cells.
    let row: (JSONValue) -> [String]
}

extension Context {
    /// The list options every list command takes.
    static let listOptions: [OptionSpec] = [
        .valued("--limit", "N", "items per page, 1-100 (the server's default: 20)"),
        .flag("--all", "follow next_cursor through every page (a progress line on stderr)"),
    ]

    /// Fetches `listing` as the invocation asks (one page or all) and prints it.
    mutating func list(_ listing: Listing) async throws(ClientError) {
        let all = invocation.has("--all")
        let limit = try invocation.integer("--limit", in: 1...100) ?? (all ? 100 : nil)
        var items: [JSONValue] = []
        var cursor: String?
        var pages = 0
        repeat {
            var query = listing.query
            if let limit { query.append(URLQueryItem(name: "limit", value: String(limit))) }
            if let cursor { query.append(URLQueryItem(name: "cursor", value: cursor)) }
            let response = try await client.send(.get(listing.path, query))
            items += try response.data().elements
            cursor = response.meta?.nextCursor
            pages += 1
            if all { console.progress("\(listing.noun): \(items.count) fetched, page \(pages)\(cursor == nil ? ", done" : "…")") }
        } while all && cursor != nil
        if all { console.endProgress() }
        if invocation.wantsJSON {
            console.print(JSONText.pretty(.array(items)))
        } else if items.isEmpty {
            console.print("No \(listing.noun).")
        } else {
            console.print(Table(columns: listing.columns, rows: items.map(listing.row)).render(width: width))
        }
        if !all && cursor != nil { console.note("(more \(listing.noun): add --all to fetch every page)") }
    }

    /// The query items of the options named in `names` (`--status` → `status=…`), where given.
    func filters(_ names: [String: String]) -> [URLQueryItem] {
        names.keys.sorted().compactMap { option in
            invocation.value(option).map { URLQueryItem(name: names[option]!, value: $0) }
        }
    }
}
