// The librarian's catalog abilities: searches by author or subject with the filler of natural
// phrasing dropped ("something on machine learning, any suggestions?" → "machine learning"), lists
// ranked by relevance with availability and "N more", the next page on "more", a book's details,
// its availability, and which book a message names ("have you got the pragmatic programmer?").
import StacksWire

extension Librarian {
    /// Words that are never part of an author's name or a subject.
    static let searchFiller: Set<String> = [
        "the", "a", "an", "some", "any", "something", "anything", "stuff", "books", "book", "titles", "title", "novels",
        "please", "thanks", "thank", "you", "me", "then", "suggestions", "suggestion", "recommendations", "ideas", "good",
        "great", "nice", "interesting", "else", "do", "have", "got", "what", "about", "whats", "what's", "there", "is",
        "are", "i", "want", "would", "like", "to", "read", "reading", "for", "find", "search", "show", "can", "could",
        "recommend", "suggest", "looking", "look", "in", "library", "your", "catalog", "catalogue", "maybe", "perhaps",
        "instead", "also", "too", "now", "today", "mostly", "really", "please", "other", "more", "again", "all",
        "written", "by", "on", "related", "topic", "subject", "area", "field", "of", "and", "or", "i'm", "interested",
        "get", "need", "some", "kind", "sort", "type", "any", "you've", "have", "my", "we", "us", "ok", "okay", "so", "well",
        "hmm", "hi", "hello", "hey", "let's", "try", "how",
    ]

    /// Words that start a clause that is not part of a name or subject ("… by Fowler that is available").
    static let clauseBreaks: Set<String> = ["that", "which", "who", "with", "from", "published", "written", "available", "if"]

    /// The search a message asks for, run; nil when it asks for none or names nothing to search.
    func search(_ text: Phrase, _ tools: LibraryTools) throws -> Reply? {
        if let name = text.after(Phrase.authorKeywords + ["by"]), let author = Self.searchTerms(name) {
            return try list(SearchMeta(author: author), tools)
        }
        let topicStart = Phrase.topicKeywords + ["about", "find", "search", "on"]
        if let subject = text.after(topicStart) ?? (text.startsWith("find") || text.startsWith("search") ? text.text : nil),
            let words = Self.searchTerms(subject)
        {
            return try list(SearchMeta(words: words), tools)
        }
        return nil
    }

    /// A message that is only a name or a title ("robert martin", "clean code"): the author's
    /// books, else the titles that match every word; nil when neither matches exactly.
    func bareName(_ text: Phrase, _ tools: LibraryTools) throws -> Reply? {
        guard let terms = Self.searchTerms(text.text), terms.split(separator: " ").count <= 5,
            terms.split(separator: " ").count * 2 >= text.text.split(separator: " ").count
        else { return nil }
        let byAuthor = try tools.search(.author(terms), offset: 0, limit: 1)
        if byAuthor.total > 0 && !byAuthor.approximate { return try list(SearchMeta(author: terms), tools) }
        let byTitle = try tools.search(.words(terms), offset: 0, limit: 1)
        if byTitle.total > 0 && !byTitle.approximate {
            return try list(SearchMeta(words: terms), tools)
        }
        return nil
    }

    /// The words of a name or subject: up to a clause break, filler dropped; nil if none remain.
    static func searchTerms(_ text: String) -> String? {
        var words: [String] = []
        for word in text.split(separator: " ").map(String.init) {
            if clauseBreaks.contains(word) && !words.isEmpty { break }
            if !searchFiller.contains(word) && !clauseBreaks.contains(word) && Phrase.numbers[word] == nil { words.append(word) }
        }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// A page of a search as a numbered list with availability and how many more there are.
    func list(_ search: SearchMeta, _ tools: LibraryTools) throws -> Reply {
        let query: CatalogSearch = search.author.map(CatalogSearch.author) ?? .words(search.words ?? "")
        let found = try tools.search(query, offset: search.offset, limit: Self.listLength)
        let what = search.author.map { "by “\($0)”" } ?? "about “\(search.words ?? "")”"
        guard !found.books.isEmpty else {
            let text =
                search.offset > 0
                ? "That was all: there are no more books \(what)."
                : "I found no books \(what). Try other words, an author's name, or check the spelling."
            return Reply(text: text, meta: ReplyMeta(intent: .search, items: []))
        }
        let heading =
            search.offset > 0
            ? "More books \(what):"
            : found.approximate
                ? "I found nothing spelt exactly like that; the closest books \(what) are:" : "Here are books \(what):"
        let lines = found.books.enumerated().map { "\($0.offset + 1). \(Self.title($0.element)) — \(Self.copies($0.element))" }
        let remaining = found.total - search.offset - found.books.count
        let tail = remaining > 0 ? ["… and \(remaining) more: say “more” to see \(remaining == 1 ? "it" : "them")."] : []
        var shown = search
        shown.offset = search.offset + found.books.count
        return Reply(
            text: ([heading] + lines + tail).joined(separator: "\n"),
            meta: ReplyMeta(intent: .search, items: found.books.map(\.id), search: shown))
    }

    /// "more": the next page of the latest search.
    func more(_ history: History, _ tools: LibraryTools) throws -> Reply {
        guard let (search, _) = history.latestSearch else {
            return Reply(
                text: "More of what? Ask me to find some books first, for example “books by Dickens”.",
                meta: ReplyMeta(intent: .help))
        }
        return try list(search, tools)
    }

    /// How many copies are free, in words.
    static func copies(_ book: Book) -> String {
        book.available
            ? "\(book.availableCopies) of \(book.copies) \(book.copies == 1 ? "copy" : "copies") available"
            : book.copies == 0 ? "no copies yet" : "all \(book.copies == 1 ? "1 copy" : "\(book.copies) copies") on loan"
    }

    func describe(_ book: Book, _ text: Phrase) -> Reply {
        let which = text.ordinalWord.map { "The \($0) item was" } ?? "That is"
        let facts: String
        if text.mentions(["who wrote", "author", "written"]) {
            facts = "“\(book.title)” was written by \(book.author) (\(book.year))."
        } else if text.mentions(["what year", "when was", "published"]) {
            facts = "“\(book.title)” by \(book.author) was published in \(book.year)."
        } else {
            facts = "\(which) \(Self.title(book)), ISBN \(book.isbn): \(Self.copies(book))."
        }
        return Reply(text: facts, meta: ReplyMeta(intent: .book, focus: book.id))
    }

    func availability(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        let book: Book
        switch try namedBook(text, Self.availabilityFiller, tools) {
        case .book(let named): book = named
        case .several(let found, let words): return choices(found, words)
        case .none(let words): return notFound(words)
        case .unnamed:
            guard let referred = try history.book(for: text, tools) ?? history.focus.flatMap(tools.book(id:)) else {
                return unresolved(history)
            }
            book = referred
        }
        let answer =
            book.available
            ? "Yes: “\(book.title)” has \(book.availableCopies) of \(book.copies) \(book.copies == 1 ? "copy" : "copies") available. "
                + "Say “borrow it” to borrow it."
            : "No: every copy of “\(book.title)” is on loan right now. Say “place a hold on it” to join the queue."
        return Reply(text: answer, meta: ReplyMeta(intent: .availability, focus: book.id))
    }

    static let availabilityFiller = [
        "is", "are", "it", "available", "availability", "in", "stock", "on", "the", "shelf", "library", "can", "i", "get",
        "any", "copies", "copy", "free", "left", "have", "you", "got", "do", "stock", "there", "a", "an", "carry", "of",
        "out", "all", "loan", "still", "right", "now", "currently", "at", "moment", "one", "book", "please", "your",
        "that", "this", "any", "for", "me", "to", "borrow", "anymore", "again", "yet", "today", "tomorrow",
    ]

    /// A list of books that all fit the words, to choose from.
    func choices(_ found: Found, _ words: String) -> Reply {
        let lines = found.books.enumerated().map { "\($0.offset + 1). \(Self.title($0.element)) — \(Self.copies($0.element))" }
        return Reply(
            text: (["Several books fit “\(words)”. Which one do you mean?"] + lines).joined(separator: "\n"),
            meta: ReplyMeta(
                intent: .search, items: found.books.map(\.id), search: SearchMeta(words: words, offset: found.books.count)))
    }

    func notFound(_ words: String) -> Reply {
        Reply(
            text: "I could not find a book called “\(words)” in the catalog. Try “find \(words)” or an author's name.",
            meta: ReplyMeta(intent: .search, items: []))
    }

    /// The book a request means.
    enum Meant {
        /// This one.
        case book(Book)
        /// None for sure: the reply lists the candidates or says nothing fits.
        case reply(Reply)
        /// The request names and refers to nothing.
        case nothing
    }

    /// The book a request means: the one it names after its verb (`object`, without `filler`),
    /// else the one it refers to ("it", "the second one").
    func bookMeant(_ object: String, filler: [String], _ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Meant
    {
        switch try namedBook(Phrase(object), filler, tools) {
        case .book(let named): return .book(named)
        case .several(let found, let words): return .reply(choices(found, words))
        case .none(let words): return .reply(notFound(words))
        case .unnamed: return try history.book(for: text, tools).map(Meant.book) ?? .nothing
        }
    }

    /// What a message names, after its keywords (`filler`) are dropped.
    enum Named {
        /// One book, clearly.
        case book(Book)
        /// Several books fit the words equally.
        case several(Found, String)
        /// Words that match no book.
        case none(String)
        /// No words left: the message names nothing.
        case unnamed

        var book: Book? {
            if case .book(let book) = self { return book }
            return nil
        }
    }

    /// The book the remaining words name: the best match when it is clearly the one meant (the
    /// only match, or its main title is the words), else the candidates.
    func namedBook(_ text: Phrase, _ filler: [String], _ tools: LibraryTools) throws -> Named {
        let words = text.words(removing: filler).filter { word in
            !Self.fillerWords.contains(word) && !Phrase.ordinals.contains { $0.word == word } && Int(word) == nil
        }
        guard !words.isEmpty else { return .unnamed }
        let asked = words.joined(separator: " ")
        let found = try tools.search(.words(asked), offset: 0, limit: Self.listLength)
        guard let first = found.books.first else { return .none(asked) }
        if let exact = found.books.first(where: { Self.mainTitle($0) == Self.withoutArticle(asked) }) { return .book(exact) }
        let best = first
        if found.total == 1 || Self.mainTitle(best) == Self.withoutArticle(asked) || Self.words(of: best.title) == Set(words) {
            return .book(best)
        }
        // Every asked word in the best title's main part and not all in the next one's: that one.
        let second = found.books.dropFirst().first
        let inBest = Set(words).isSubset(of: Self.words(of: Self.mainTitle(best)))
        let inSecond = second.map { Set(words).isSubset(of: Self.words(of: Self.mainTitle($0))) } ?? false
        if inBest && !inSecond { return .book(best) }
        return .several(found, asked)
    }

    /// A title before its colon, lower case, without a leading article.
    static func mainTitle(_ book: Book) -> String {
        withoutArticle(RankedSearch.clean(String(book.title.split(separator: ":").first ?? Substring(book.title))))
    }

    static func withoutArticle(_ text: String) -> String {
        for article in ["the ", "a ", "an "] where text.hasPrefix(article) { return String(text.dropFirst(article.count)) }
        return text
    }

    /// Every word of a title, lower case, punctuation dropped.
    static func words(of text: String) -> Set<String> {
        Set(RankedSearch.clean(text, limit: .max).split(separator: " ").map(String.init))
    }

    /// Whether each of the words is a word of the title, or one letter off one.
    static func titleFits(_ words: [String], _ title: String) -> Bool {
        let titleWords = Self.words(of: title)
        return words.allSatisfy { word in titleWords.contains(word) || titleWords.contains { $0.isOneEditFrom(word) } }
    }
}
