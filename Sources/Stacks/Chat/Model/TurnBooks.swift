// The books a model turn saw in its tool results, and which of them its reply is about: the titles
// the reply names, in the order it names them, else the latest list or book the tools returned.
// Stored as the reply's `items` or `focus`, so a later "the second one" or "it" resolves against
// what the member read, whichever backend answers next.

/// Books seen during one model turn.
struct TurnBooks {
    /// A book as a tool result showed it.
    struct Seen: Equatable {
        let id: Int64
        let title: String
    }

    /// Every book seen, first sighting first.
    private(set) var all: [Seen] = []
    /// The latest list a tool returned (a search page, the loans, the holds) and the search behind it.
    private var latestList: (books: [Seen], search: SearchMeta?)?
    /// The latest single book looked up, if nothing was listed after it.
    private var latestBook: Seen?

    /// Records a list of books (in the order shown to the model).
    mutating func listed(_ books: [Seen], search: SearchMeta? = nil) {
        for book in books { remember(book) }
        latestList = (books, search)
        latestBook = nil
    }

    /// Records one book looked up.
    mutating func looked(at book: Seen) {
        remember(book)
        latestBook = book
    }

    private mutating func remember(_ book: Seen) {
        if !all.contains(where: { $0.id == book.id }) { all.append(book) }
    }

    /// What the reply is about: two or more titles it names → those, as a list; one → that book;
    /// none → the latest book looked up, else the latest list.
    func meta(for reply: String) -> ReplyMeta {
        let named = mentioned(in: reply)
        if named.count >= 2 {
            let ids = named.map(\.id)
            let search = latestList.flatMap { $0.books.map(\.id) == ids ? $0.search : nil }
            return ReplyMeta(intent: .search, items: ids, search: search)
        }
        if let only = named.first { return ReplyMeta(intent: .book, focus: only.id) }
        if let latestBook { return ReplyMeta(intent: .book, focus: latestBook.id) }
        if let latestList, !latestList.books.isEmpty {
            return ReplyMeta(intent: .search, items: latestList.books.map(\.id), search: latestList.search)
        }
        return ReplyMeta(intent: .help)
    }

    /// The seen books whose titles the text names, in order of first mention; where one title
    /// holds another ("Refactoring to Patterns", "Refactoring"), the longer match counts.
    func mentioned(in text: String) -> [Seen] {
        let haystack = text.lowercased()
        var matches: [(range: Range<String.Index>, book: Seen)] = []
        for book in all {
            let title = book.title.lowercased()
            guard !title.isEmpty, let range = haystack.range(of: title) else { continue }
            matches.append((range, book))
        }
        // Earliest first; of two starting together, the longer first.
        matches.sort { ($0.range.lowerBound, $1.range.upperBound) < ($1.range.lowerBound, $0.range.upperBound) }
        var kept: [(range: Range<String.Index>, book: Seen)] = []
        for match in matches where !kept.contains(where: { $0.range.overlaps(match.range) }) { kept.append(match) }
        return kept.map(\.book)
    }
}
