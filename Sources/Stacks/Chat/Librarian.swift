// The built-in assistant: deterministic rules over the message, grounded in the catalog and the
// caller's loans. References ("the second one", "it", "the last book you mentioned", "what did I
// ask first?") are resolved from the stored history and the metadata of earlier replies. Only a
// command borrows or returns (Librarian+Loans.swift); a question about it is answered.

/// The rule-based librarian.
struct Librarian: Assistant {
    /// How many books a search lists.
    static let listLength = 5

    /// Whether the message answers the previous reply's question ("Shall I return “UML
    /// Distilled”?" → "yes" or "no"). Such a turn is always the librarian's to settle, whatever
    /// backend proposed the action, so an action is carried out only by this code.
    static func settlesPending(_ context: ConversationContext) -> Bool {
        History(context.history, count: context.messageCount).pending != nil && Phrase(context.message).answersYesOrNo
    }

    func reply(to context: ConversationContext, tools: LibraryTools) throws -> Reply {
        let text = Phrase(context.message)
        let history = History(context.history, count: context.messageCount)
        if text.has("ask first") || text.has("first question") || text.has("asked first") { return firstQuestion(history) }
        if text.has("how many messages") { return count(history) }
        if text.has("what have i borrowed") || text.has("my loans") || text.has("what do i have") || text.has("on loan to me") {
            return try loans(tools)
        }
        if text.command(Self.borrowVerbs) != nil { return try borrow(text, history, tools) }
        if let object = text.command(Self.returnVerbs) { return try giveBack(object, text, history, tools) }
        if !text.asksForSearch {
            // Questions and mentions: answered, never carried out.
            if text.mentions(Self.returnVerbs + ["returns", "returned", "returning", "due", "overdue"]) {
                return try dueDates(text, history, tools)
            }
            if text.mentions(Self.borrowVerbs + ["borrowing", "checkout"]) { return try borrowing(text, history, tools) }
        }
        if text.has("available") || text.has("can i get") { return try availability(text, history, tools) }
        if let author = text.after(["books by", "written by", "anything by", "by"]) { return try search(author: author, tools) }
        if let topic = text.after(["books about", "about", "books on", "search for", "find", "looking for"]) {
            return try search(topic: topic, tools)
        }
        if let book = try history.book(for: text, tools) { return describe(book, text) }
        return help(history.references(text))
    }

    // MARK: abilities

    private func search(author: String, _ tools: LibraryTools) throws -> Reply {
        list(
            try tools.search(.author(author), offset: 0, limit: Self.listLength).books, empty: "I found no books by “\(author)”.",
            heading: "Here are books by “\(author)”:")
    }

    private func search(topic: String, _ tools: LibraryTools) throws -> Reply {
        let words = topic.split(separator: " ").filter { !["books", "book", "some", "any", "a", "the", "me"].contains($0) }
        let query = words.joined(separator: " ")
        guard !query.isEmpty else { return help(false) }
        return list(
            try tools.search(.words(query), offset: 0, limit: Self.listLength).books, empty: "I found no books about “\(query)”.",
            heading: "Here are books about “\(query)”:")
    }

    private func list(_ books: [Book], empty: String, heading: String) -> Reply {
        guard !books.isEmpty else { return Reply(text: empty, meta: ReplyMeta(intent: .search, items: [])) }
        let lines = books.enumerated().map { "\($0.offset + 1). \(Self.title($0.element))" }
        return Reply(text: ([heading] + lines).joined(separator: "\n"), meta: ReplyMeta(intent: .search, items: books.map(\.id)))
    }

    private func describe(_ book: Book, _ text: Phrase) -> Reply {
        let which = text.ordinalWord.map { "The \($0) item was" } ?? "That is"
        return Reply(text: "\(which) \(Self.title(book)), ISBN \(book.isbn).", meta: ReplyMeta(intent: .book, focus: book.id))
    }

    private func availability(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        guard let book = try history.book(for: text, tools) else { return unresolved(history) }
        let answer =
            book.available
            ? "Yes: “\(book.title)” has \(book.availableCopies) of \(book.copies) \(book.copies == 1 ? "copy" : "copies") available."
            : "No: every copy of “\(book.title)” is on loan right now."
        return Reply(text: answer, meta: ReplyMeta(intent: .availability, focus: book.id))
    }

    private func firstQuestion(_ history: History) -> Reply {
        guard let first = history.messages.first(where: { $0.role == .user }) else {
            return Reply(text: "This is the first thing you have asked me.", meta: ReplyMeta(intent: .history))
        }
        let quoted =
            first.content.unicodeScalars.count > 300
            ? String(String.UnicodeScalarView(first.content.unicodeScalars.prefix(300))) + "…" : first.content
        return Reply(text: "You first asked: “\(quoted)”", meta: ReplyMeta(intent: .history))
    }

    private func count(_ history: History) -> Reply {
        let n = history.count
        return Reply(
            text: "Before this message, this conversation had \(n) message\(n == 1 ? "" : "s").",
            meta: ReplyMeta(intent: .history))
    }

    func unresolved(_ history: History) -> Reply {
        Reply(
            text: history.latestItems == nil
                ? "Which book do you mean? Ask me to find some first, for example “books by Fowler”."
                : "Which book do you mean? Say “the first one”, “the second one” or “it”.",
            meta: ReplyMeta(intent: .help))
    }

    private func help(_ referenced: Bool) -> Reply {
        Reply(
            text: (referenced
                ? "I have not listed any books yet, so I cannot tell which one you mean. " : "I did not understand that. ")
                + "I can search the catalog (“books by Fowler”, “find books about design”), tell you about a listed book "
                + "(“what was the second one?”, “is it available?”), borrow or return (“borrow the first one”, “return it”), "
                + "list your loans (“what have I borrowed?”) and recall the conversation (“what did I ask first?”).",
            meta: ReplyMeta(intent: .help))
    }

    static func title(_ book: Book) -> String { "“\(book.title)” by \(book.author) (\(book.year))" }
}
