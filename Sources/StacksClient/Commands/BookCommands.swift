// `stacks books` (search, filters, sort, every page with --all) and `stacks book ID` (one book
// with its copies).
import Foundation
import StacksWire

/// The catalog commands.
enum BookCommands {
    /// `stacks books [WORDS…]`.
    static let books = Command(
        CommandSpec(
            "books", "[WORDS…]", positionals: 0...50,
            options: [
                .valued("--author", "NAME", "only books by this author"),
                .flag("--available", "only books with a copy free now"),
                .valued("--sort", "KEYS", "e.g. title or -year,title (id, title, author, year, isbn; - descends)"),
            ] + Context.listOptions,
            "Search the catalog (full text over titles and subjects) and list the books.")
    ) { (context: inout Context) throws(ClientError) in
        var query: [URLQueryItem] = []
        let words = context.invocation.positionals.joined(separator: " ")
        if !words.isEmpty { query.append(URLQueryItem(name: "q", value: words)) }
        query += context.filters(["--author": "author", "--sort": "sort"])
        if context.invocation.has("--available") { query.append(URLQueryItem(name: "available", value: "true")) }
        try await context.list(
            Listing(path: "/api/books", query: query, noun: "books", columns: columns) { book in
                [book.text("id"), book.text("title"), book.text("author"), book.text("year"), availability(book)]
            })
    }

    /// `stacks book ID`.
    static let book = Command(CommandSpec("book", "ID", positionals: 1...1, "Show one book and its copies.")) {
        (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a book id")
        let book = try await context.data(.get("/api/books/\(id)"))
        let items = try await context.data(.get("/api/books/\(id)/items"))
        if context.invocation.wantsJSON {
            context.console.print(JSONText.pretty(.object(["book": book, "items": items])))
            return
        }
        let fields = FieldList([
            ("id", book.text("id")), ("title", book.text("title")), ("author", book.text("author")),
            ("isbn", book.text("isbn")), ("year", book.text("year")), ("available", availability(book)),
        ])
        var text = fields.render(width: context.width)
        if !items.elements.isEmpty {
            let table = Table(
                columns: [Column("COPY"), Column("STATUS"), Column("DUE")],
                rows: items.elements.map { [$0.text("barcode"), $0.text("status"), $0.time("due_at")] })
            text += "\n\n" + table.render(width: context.width)
        }
        context.console.print(text)
    }

    /// The columns of a book list.
    static let columns = [
        Column("ID", alignRight: true), Column("TITLE", flexible: true), Column("AUTHOR", flexible: true),
        Column("YEAR", alignRight: true), Column("AVAILABLE"),
    ]

    /// "2 of 3" copies free.
    static func availability(_ book: JSONValue) -> String {
        "\(book.text("available_copies")) of \(book.text("copies"))"
    }
}
