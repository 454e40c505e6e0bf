// The librarian's borrowing and returning. Only a command changes a loan ("borrow it", "return
// UML Distilled", "I want to return the uml book"); a question or a mere mention ("when should I
// bring back the uml book?", "return policy?", "can I borrow it?") is answered with due dates or
// availability and changes nothing.
import HTTP

extension Librarian {
    /// Verbs that make a message a command to borrow.
    static let borrowVerbs = ["borrow", "check out"]
    /// Verbs that make a message a command to return.
    static let returnVerbs = ["return", "give back", "bring back", "hand back", "give it back", "bring it back"]

    /// "borrow the second one", "borrow UML Distilled": borrows the book referred to or named.
    func borrow(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        guard let book = try namedBook(text, history, tools) else { return unresolved(history) }
        do {
            let loan = try tools.borrow(bookID: book.id, days: nil)
            return Reply(
                text: "Done: you have borrowed “\(book.title)”. It is due back on \(loan.dueDate.prefix(10)).",
                meta: ReplyMeta(intent: .borrow, focus: book.id, loan: loan.id))
        } catch let refused where refused is LoanError || refused is BookError {
            return Reply(
                text: "I could not borrow “\(book.title)”: \(ErrorCatalogue.problem(for: refused).problem.detail)",
                meta: ReplyMeta(intent: .borrow, focus: book.id))
        }
    }

    /// "can I borrow it?", "how do I borrow a book?": the book's availability and how to borrow it.
    func borrowing(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        guard let book = try namedBook(text, history, tools) else {
            return Reply(
                text: "To borrow a book, find it first (“books by Fowler”), then say “borrow the first one”.",
                meta: ReplyMeta(intent: .help))
        }
        let copies =
            book.available
            ? "\(book.availableCopies) of \(book.copies) \(book.copies == 1 ? "copy is" : "copies are") available"
            : "every copy is on loan right now"
        return Reply(
            text: "“\(book.title)”: \(copies). I borrow a book only when you tell me to: say “borrow it” to borrow it now.",
            meta: ReplyMeta(intent: .availability, focus: book.id))
    }

    /// "return it", "return UML Distilled": returns the one loan the command names.
    func giveBack(_ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        let active = try tools.activeLoans()
        let loan: Loan
        switch try choose(among: active, object, text, history, tools) {
        case .loan(let chosen):
            loan = chosen
        case .notOnLoan(let book):
            return Reply(text: "You do not have “\(book.title)” on loan.", meta: ReplyMeta(intent: .giveBack, focus: book.id))
        case .unmatched(let words):
            return Reply(
                text: "You have no loan of a book called “\(words)”. Say “what have I borrowed?” to see your loans.",
                meta: ReplyMeta(intent: .giveBack))
        case .unclear:
            return Reply(
                text: active.isEmpty
                    ? "You have nothing on loan." : "Which one? Say “what have I borrowed?” and then “return the first one”.",
                meta: ReplyMeta(intent: .giveBack))
        }
        do {
            let returned = try tools.giveBack(loanID: loan.id)
            return Reply(
                text: "Thank you: “\(returned.bookTitle)” is returned.",
                meta: ReplyMeta(intent: .giveBack, focus: returned.bookID, loan: returned.id))
        } catch let refused where refused is LoanError || refused is BookError {
            return Reply(
                text: "I could not return “\(loan.bookTitle)”: \(ErrorCatalogue.problem(for: refused).problem.detail)",
                meta: ReplyMeta(intent: .giveBack))
        }
    }

    /// "when should I bring back the uml book?", "return policy?": due dates, and how to return.
    func dueDates(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        let active = try tools.activeLoans()
        guard !active.isEmpty else {
            return Reply(text: "You have nothing on loan, so nothing is due back.", meta: ReplyMeta(intent: .loans, items: []))
        }
        switch try choose(among: active, text.after(Self.returnVerbs) ?? "", text, history, tools) {
        case .loan(let loan):
            return Reply(
                text: "“\(loan.bookTitle)” is due back on \(loan.dueDate.prefix(10)). I return a book only when you tell me "
                    + "to: say “return it” to return it now.",
                meta: ReplyMeta(intent: .loans, focus: loan.bookID))
        case .notOnLoan(let book):
            return Reply(text: "You do not have “\(book.title)” on loan.", meta: ReplyMeta(intent: .loans, focus: book.id))
        case .unmatched, .unclear:
            let lines = active.enumerated().map {
                "\($0.offset + 1). “\($0.element.bookTitle)”, due \($0.element.dueDate.prefix(10))"
            }
            let heading =
                "Each loan is due back on its date, and I return a book only when you tell me to, for example "
                + "“return the first one”. You have borrowed:"
            return Reply(
                text: ([heading] + lines).joined(separator: "\n"),
                meta: ReplyMeta(intent: .loans, items: active.compactMap(\.bookID)))
        }
    }

    /// "what have I borrowed?": the active loans, numbered, for "return the first one".
    func loans(_ tools: LibraryTools) throws -> Reply {
        let active = try tools.activeLoans()
        guard !active.isEmpty else {
            return Reply(text: "You have nothing on loan.", meta: ReplyMeta(intent: .loans, items: []))
        }
        let lines = active.enumerated().map {
            "\($0.offset + 1). “\($0.element.bookTitle)”, due \($0.element.dueDate.prefix(10))"
        }
        return Reply(
            text: (["You have borrowed:"] + lines).joined(separator: "\n"),
            meta: ReplyMeta(intent: .loans, items: active.compactMap(\.bookID)))
    }

    // MARK: which book, which loan

    /// The book a message refers to ("it", "the second one") or names after the verb (the first search hit).
    private func namedBook(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Book? {
        if let book = try history.book(for: text, tools) { return book }
        let title = Self.titleWords(text.after(Self.borrowVerbs) ?? "").joined(separator: " ")
        return title.isEmpty ? nil : try tools.search(.words(title), offset: 0, limit: 1).books.first
    }

    /// Which active loan a message names.
    private enum LoanChoice {
        /// Exactly this one.
        case loan(Loan)
        /// The book referred to, which is not among the loans.
        case notOnLoan(Book)
        /// Title words that no active loan has.
        case unmatched(String)
        /// Nothing named, or more than one loan fits.
        case unclear
    }

    /// The loan named by the words after the verb (every one of them a word of its title), else by
    /// a reference ("it", "the first one"), else the only loan there is.
    private func choose(
        among active: [Loan], _ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools
    ) throws -> LoanChoice {
        let words = Self.titleWords(object)
        guard words.isEmpty else {
            let fitting = active.filter { loan in
                let title = Set(Phrase(loan.bookTitle).text.split(separator: " ").map(String.init))
                return words.allSatisfy(title.contains)
            }
            if fitting.count == 1 { return .loan(fitting[0]) }
            return fitting.isEmpty ? .unmatched(words.joined(separator: " ")) : .unclear
        }
        if let book = try history.book(for: text, tools) {
            return active.first { $0.bookID == book.id }.map(LoanChoice.loan) ?? .notOnLoan(book)
        }
        return active.count == 1 ? .loan(active[0]) : .unclear
    }

    /// Words that say which book without being part of a title.
    static let fillerWords: Set<String> = [
        "the", "a", "an", "my", "your", "this", "that", "these", "those", "it", "one", "ones", "book", "books", "copy",
        "copies", "please", "now", "back", "thanks", "thank", "you", "for", "me", "of", "to", "library", "item", "number",
        "no", "last", "mentioned", "again", "today", "tomorrow", "soon", "by", "on", "loan",
    ]

    /// The words of `object` that could be part of a title: no filler, ordinals or numbers.
    static func titleWords(_ object: String) -> [String] {
        object.split(separator: " ").map(String.init).filter { word in
            !fillerWords.contains(word) && !Phrase.ordinals.contains { $0.word == word }
                && !word.hasPrefix("#") && Int(word) == nil
        }
    }
}
