// The librarian's borrowing, returning and renewing, and the member's loans and due dates. Only
// an explicit command changes a loan at once ("borrow the second one", "return UML Distilled",
// "renew it for a week"); a request that is not explicit ("I'm done with the uml book", "can I
// renew it?", "I'll take that one", or a command with a misspelt word) is confirmed first; a
// question or a mere mention ("when should I bring back the uml book?", "return policy?") is
// answered and changes nothing.
import Foundation
import StacksWire

extension Librarian {
    /// Verbs that make a message a command to borrow.
    static let borrowVerbs = [
        "borrow", "check out", "checkout", "lend me", "take out", "check it out", "check that out", "check that one out",
        "check this out", "check this one out",
    ]
    /// Verbs that make a message a command to return.
    static let returnVerbs = [
        "return", "give back", "bring back", "hand back", "give it back", "bring it back", "hand in", "check in", "checkin",
    ]
    /// Verbs that make a message a command to renew.
    static let renewVerbs = ["renew", "extend"]

    /// Words after a verb that are not part of a title: the loan period and filler.
    static let periodFiller = [
        "for", "days", "day", "weeks", "week", "month", "months", "fortnight", "another", "a", "an", "more", "extra",
        "additional", "please", "now", "it", "out", "back", "in", "check", "me",
    ]

    // MARK: borrowing

    /// "borrow the second one", "borrow UML Distilled for three weeks", "can I borrow it?".
    func borrow(_ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools, explicit: Bool) throws -> Reply {
        let book: Book
        switch try bookMeant(object, filler: Self.periodFiller + Array(Phrase.numbers.keys), text, history, tools) {
        case .book(let meant): book = meant
        case .reply(let reply): return reply
        case .nothing:
            if !explicit && !history.references(text) {
                return Reply(
                    text: "To borrow a book, find it first (“books by Fowler”), then say “borrow the first one”, "
                        + "or name it: “borrow Clean Code”. I lend for 1 to 30 days; say “for three weeks” to choose.",
                    meta: ReplyMeta(intent: .help))
            }
            return unresolved(history)
        }
        let days = text.period
        if let days, !Loan.periodDays.contains(days) {
            return Reply(
                text: "I can lend a book for \(Loan.periodDays.lowerBound) to \(Loan.periodDays.upperBound) days, "
                    + "not \(days). Say for example “borrow it for three weeks”.",
                meta: ReplyMeta(intent: .borrow, focus: book.id))
        }
        let action = PendingAction(action: .borrow, book: book.id, days: days)
        if explicit && !text.corrected { return try perform(action, tools) }
        guard book.available else {
            return confirm(
                PendingAction(action: .hold, book: book.id),
                "Every copy of “\(book.title)” is on loan right now. Shall I place a hold on it for you?", book: book.id)
        }
        let period = days.map { " for \($0) days" } ?? ""
        return confirm(
            action, "“\(book.title)”: \(Self.copies(book)). Shall I borrow it for you\(period)?", book: book.id)
    }

    // MARK: returning

    /// "return it", "return UML Distilled", "I'm done with the uml book": returns the one loan meant.
    func giveBack(_ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools, explicit: Bool) throws -> Reply {
        let active = try tools.activeLoans()
        switch try choose(among: active, object, text, history, tools) {
        case .loan(let loan):
            let action = PendingAction(action: .giveBack, loan: loan.id)
            if explicit && !text.corrected { return try perform(action, tools) }
            return confirm(action, "Shall I return “\(loan.bookTitle)” now?", book: loan.bookID)
        case .notOnLoan(let book):
            return Reply(text: "You do not have “\(book.title)” on loan.", meta: ReplyMeta(intent: .giveBack, focus: book.id))
        case .unmatched(let words):
            return Reply(
                text: "You have no loan of a book called “\(words)”. Say “what have I got out?” to see your loans.",
                meta: ReplyMeta(intent: .giveBack))
        case .unclear:
            return active.isEmpty
                ? Reply(text: "You have nothing on loan.", meta: ReplyMeta(intent: .giveBack, items: []))
                : loanList(active, heading: "Which one? You have borrowed:", tail: "Say for example “return the first one”.")
        }
    }

    /// "when should I bring back the uml book?", "return policy?", "how do I return a book?": due
    /// dates and how to return; nothing is returned.
    func returning(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        let active = try tools.activeLoans()
        guard !active.isEmpty else {
            return Reply(
                text: "You have nothing on loan, so nothing is due back. When you have, say “return” and the book's title.",
                meta: ReplyMeta(intent: .loans, items: []))
        }
        switch try choose(among: active, text.after(Self.returnVerbs) ?? text.text, text, history, tools) {
        case .loan(let loan):
            return Reply(
                text: "“\(loan.bookTitle)” is due back on \(loan.dueDate.prefix(10)). I return a book only when you tell me "
                    + "to: say “return it” to return it now.",
                meta: ReplyMeta(intent: .loans, focus: loan.bookID))
        case .notOnLoan(let book):
            return Reply(text: "You do not have “\(book.title)” on loan.", meta: ReplyMeta(intent: .loans, focus: book.id))
        case .unmatched, .unclear:
            return loanList(
                active,
                heading: "Each loan is due back on its date, and I return a book only when you tell me to. You have borrowed:",
                tail: "Say for example “return the first one”.")
        }
    }

    // MARK: renewing

    /// "renew it", "renew the uml book for a week", "can I renew it?".
    func renew(_ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools, explicit: Bool) throws -> Reply {
        let active = try tools.activeLoans()
        let days = text.period
        if let days, !Loan.periodDays.contains(days) {
            return Reply(
                text: "A renewal adds \(Loan.periodDays.lowerBound) to \(Loan.periodDays.upperBound) days, not \(days).",
                meta: ReplyMeta(intent: .renew))
        }
        switch try choose(among: active, object, text, history, tools) {
        case .loan(let loan):
            let action = PendingAction(action: .renew, loan: loan.id, days: days)
            if explicit && !text.corrected { return try perform(action, tools) }
            let period = days.map { " for \($0) more days" } ?? ""
            return confirm(
                action, "“\(loan.bookTitle)” is due back on \(loan.dueDate.prefix(10)). Shall I renew it\(period)?",
                book: loan.bookID)
        case .notOnLoan(let book):
            return Reply(text: "You do not have “\(book.title)” on loan.", meta: ReplyMeta(intent: .renew, focus: book.id))
        case .unmatched(let words):
            return Reply(
                text: "You have no loan of a book called “\(words)”. Say “what have I got out?” to see your loans.",
                meta: ReplyMeta(intent: .renew))
        case .unclear:
            return active.isEmpty
                ? Reply(text: "You have nothing on loan to renew.", meta: ReplyMeta(intent: .renew, items: []))
                : loanList(
                    active, heading: "Which loan shall I renew? You have borrowed:",
                    tail: "Say for example “renew the first one”; a renewal adds your loan period unless you say “for a week”.")
        }
    }

    // MARK: loans and due dates

    /// "what have I got out?": the active loans, numbered, for "return the first one".
    func loans(_ tools: LibraryTools) throws -> Reply {
        let active = try tools.activeLoans()
        guard !active.isEmpty else { return Reply(text: "You have nothing on loan.", meta: ReplyMeta(intent: .loans, items: [])) }
        return loanList(active, heading: "You have borrowed:", tail: nil)
    }

    /// "when is it due back?", "when is the uml book due?": that loan's due date, else all of them.
    func dueDates(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        let active = try tools.activeLoans()
        guard !active.isEmpty else {
            return Reply(text: "You have nothing on loan, so nothing is due.", meta: ReplyMeta(intent: .loans, items: []))
        }
        let object = text.words(removing: ["when", "is", "it", "due", "back", "date", "what's", "the", "what", "do", "i"])
            .joined(separator: " ")
        switch try choose(among: active, object, text, history, tools) {
        case .loan(let loan):
            let late = loan.status == .overdue ? " It is overdue: please bring it back as soon as you can." : ""
            return Reply(
                text: "“\(loan.bookTitle)” is due back on \(loan.dueDate.prefix(10)).\(late)",
                meta: ReplyMeta(intent: .loans, focus: loan.bookID))
        case .notOnLoan(let book):
            return Reply(text: "You do not have “\(book.title)” on loan.", meta: ReplyMeta(intent: .loans, focus: book.id))
        case .unmatched, .unclear:
            return loanList(active, heading: "Your loans and their due dates:", tail: nil)
        }
    }

    /// "what's due soon?": loans due within the member's due-soon window.
    func dueSoon(_ tools: LibraryTools) throws -> Reply {
        let days = try tools.dueSoonDays()
        let cutoff = Date().addingTimeInterval(Double(max(days, 1)) * 86_400).formatted(.iso8601)
        let soon = try tools.activeLoans().filter { $0.dueDate <= cutoff }
        guard !soon.isEmpty else {
            return Reply(
                text: "Nothing is due in the next \(max(days, 1)) day\(days == 1 ? "" : "s").",
                meta: ReplyMeta(intent: .loans, items: []))
        }
        return loanList(soon, heading: "Due in the next \(max(days, 1)) day\(days == 1 ? "" : "s"):", tail: nil)
    }

    /// "anything overdue?": loans past their due date.
    func overdue(_ tools: LibraryTools) throws -> Reply {
        let late = try tools.activeLoans().filter { $0.status == .overdue }
        guard !late.isEmpty else { return Reply(text: "Nothing is overdue.", meta: ReplyMeta(intent: .loans, items: [])) }
        return loanList(late, heading: "Overdue — please bring these back:", tail: nil)
    }

    /// Loans as a numbered list with due dates; its items are the books, for "the first one".
    func loanList(_ loans: [Loan], heading: String, tail: String?) -> Reply {
        let lines = loans.enumerated().map { index, loan in
            "\(index + 1). “\(loan.bookTitle)”, due \(loan.dueDate.prefix(10))\(loan.status == .overdue ? " (overdue)" : "")"
        }
        return Reply(
            text: ([heading] + lines + (tail.map { [$0] } ?? [])).joined(separator: "\n"),
            meta: ReplyMeta(intent: .loans, items: loans.compactMap(\.bookID)))
    }

    // MARK: which loan

    /// Which active loan a message names.
    enum LoanChoice {
        /// Exactly this one.
        case loan(Loan)
        /// The book referred to, which is not among the loans.
        case notOnLoan(Book)
        /// Title words that no active loan has.
        case unmatched(String)
        /// Nothing named, or more than one loan fits.
        case unclear
    }

    /// The loan named by the words after the verb (each a word of its title, typos forgiven), else
    /// by a reference ("it", "the first one"), else the only loan there is.
    func choose(
        among active: [Loan], _ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools
    ) throws -> LoanChoice {
        let words = Self.titleWords(object)
        guard words.isEmpty else {
            let fitting = active.filter { Self.titleFits(words, $0.bookTitle) }
            if fitting.count == 1 { return .loan(fitting[0]) }
            return fitting.isEmpty ? .unmatched(words.joined(separator: " ")) : .unclear
        }
        if let book = try history.book(for: text, tools) {
            return active.first { $0.bookID == book.id }.map(LoanChoice.loan) ?? .notOnLoan(book)
        }
        return active.count == 1 && !history.references(text) ? .loan(active[0]) : .unclear
    }

    /// Words that say which book without being part of a title.
    static let fillerWords: Set<String> = [
        "the", "a", "an", "my", "your", "this", "that", "these", "those", "it", "one", "ones", "book", "books", "copy",
        "copies", "please", "now", "back", "thanks", "thank", "you", "for", "me", "of", "to", "library", "item", "number",
        "no", "last", "mentioned", "again", "today", "tomorrow", "soon", "by", "on", "loan", "i", "can", "could", "should",
        "when", "how", "do", "does", "is", "it's", "its", "what", "policy", "late", "early", "before", "after", "due",
        "will", "would", "have", "has", "with", "done", "finished", "reading", "read", "need", "don't", "longer", "i'm",
        "i've", "all", "them", "then", "so", "ok", "okay", "just", "too", "also", "out", "over", "week", "weeks", "days",
        "day", "month", "another", "more", "extra", "time", "times", "hold", "holds", "queue", "am", "where", "in",
        "line", "reservation", "cancel", "place", "put", "waiting", "list", "reserve", "borrowed", "return", "renew",
        "there", "here", "about", "any", "some", "up", "someone", "else", "people", "if", "yet", "still", "i'll", "bring",
        "give", "hand", "drop", "take", "off", "will", "going", "try", "policy", "rules", "how", "long", "keep", "get",
    ]

    /// The words of `object` that could be part of a title: no filler, ordinals or numbers.
    static func titleWords(_ object: String) -> [String] {
        object.split(separator: " ").map(String.init).filter { word in
            !fillerWords.contains(word) && !Phrase.ordinals.contains { $0.word == word } && Phrase.numbers[word] == nil
                && !word.hasPrefix("#") && Int(word) == nil
        }
    }
}
