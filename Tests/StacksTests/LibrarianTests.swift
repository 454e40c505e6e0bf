// The librarian in process, through the Assistant seam, with library tools that record what
// they were asked to do: only a command borrows or returns; a question or a mention is answered.
import HTTP
import StacksWire
import Testing

@testable import Stacks

/// Library tools over fixed books and loans that record every borrow and return.
final class RecordingLibrary: LibraryTools {
    let catalog: [Book]
    var loans: [Loan]
    private(set) var borrowed: [Int64] = []
    private(set) var returned: [Int64] = []
    private(set) var renewed: [Int64] = []

    init(catalog: [Book], loans: [Loan]) {
        self.catalog = catalog
        self.loans = loans
    }

    func search(_ search: CatalogSearch, offset: Int, limit: Int) -> Found {
        let matches: [Book]
        switch search {
        case .author(let name):
            let words = name.split(separator: " ")
            matches = catalog.filter { book in words.allSatisfy { book.author.lowercased().contains($0) } }
        case .words(let text):
            let words = text.split(separator: " ")
            matches = catalog.filter { book in words.allSatisfy { book.title.lowercased().contains($0) } }
        }
        return Found(books: Array(matches.dropFirst(offset).prefix(limit)), total: matches.count, approximate: false)
    }

    func book(id: Int64) -> Book? { catalog.first { $0.id == id } }

    func activeLoans() -> [Loan] { loans.filter { !$0.returned } }

    func activeHolds() -> [Hold] { [] }

    func notices(unreadOnly: Bool, limit: Int) -> [Notice] { [] }

    func dueSoonDays() -> Int { 2 }

    func renew(loanID: Int64, days: Int?) throws -> Loan {
        renewed.append(loanID)
        return try #require(loans.first { $0.id == loanID && !$0.returned })
    }

    func placeHold(bookID: Int64) throws -> Hold { throw HoldError.notFound(0) }

    func cancelHold(holdID: Int64) throws -> Hold { throw HoldError.notFound(0) }

    func borrow(bookID: Int64, days: Int?) throws -> Loan {
        borrowed.append(bookID)
        let found = try #require(book(id: bookID))
        let loan = Self.loan(id: 100 + Int64(borrowed.count), book: found, due: "2026-12-29T09:00:00Z")
        loans.append(loan)
        return loan
    }

    func giveBack(loanID: Int64) throws -> Loan {
        returned.append(loanID)
        let index = try #require(loans.firstIndex { $0.id == loanID && !$0.returned })
        let loan = loans[index]
        loans[index] = Loan(
            id: loan.id, bookID: loan.bookID, bookTitle: loan.bookTitle, borrowerName: loan.borrowerName,
            borrowerEmail: loan.borrowerEmail, borrowDate: loan.borrowDate, dueDate: loan.dueDate, returned: true,
            returnedAt: "2026-12-02T09:00:00Z", renewals: loan.renewals, barcode: loan.barcode, status: .returned)
        return loans[index]
    }

    static func loan(id: Int64, book: Book, due: String) -> Loan {
        Loan(
            id: id, bookID: book.id, bookTitle: book.title, borrowerName: "Reader", borrowerEmail: "reader@example.org",
            borrowDate: "2026-12-01T09:00:00Z", dueDate: due, returned: false, returnedAt: nil, renewals: 0,
            barcode: "\(book.isbn)-1",
            status: .active)
    }
}

@Suite struct LibrarianTests {
    static let uml = Book(
        id: 1, title: "UML Distilled", author: "Martin Fowler", isbn: "0321193687", year: 2003, copies: 2, availableCopies: 1)
    static let refactoring = Book(
        id: 2, title: "Refactoring", author: "Martin Fowler", isbn: "0201485672", year: 1999, copies: 1, availableCopies: 1)

    /// A member with UML Distilled on loan (due 2026-12-15), and, with `both`, Refactoring too.
    func library(both: Bool = false) -> RecordingLibrary {
        RecordingLibrary(
            catalog: [Self.uml, Self.refactoring],
            loans: [RecordingLibrary.loan(id: 7, book: Self.uml, due: "2026-12-15T09:00:00Z")]
                + (both ? [RecordingLibrary.loan(id: 8, book: Self.refactoring, due: "2026-12-20T09:00:00Z")] : []))
    }

    /// A conversation whose last reply was about UML Distilled, so "it" means that book.
    static let aboutUML = [
        ChatMessage(seq: 1, role: .user, content: "What have I borrowed?", meta: nil),
        ChatMessage(
            seq: 2, role: .assistant, content: "You have borrowed:\n1. “UML Distilled”, due 2026-12-15",
            meta: ReplyMeta(intent: .loans, items: [1])),
    ]

    func say(_ message: String, to tools: RecordingLibrary, after history: [ChatMessage] = aboutUML) throws -> Reply {
        try Librarian().reply(to: ConversationContext(history: history, message: message), tools: tools)
    }

    // Regression: "when should i bring back the uml book?" and "return policy?" returned the loan.
    @Test(
        "answers a question or a mention of returning and returns nothing",
        arguments: [
            "when should i bring back the uml book?", "return policy?", "how do I return a book?", "When should I return it",
            "return it?", "I'll bring back the uml book tomorrow", "I returned it yesterday",
            "give back?", "What's the return policy",
        ])
    func questionsReturnNothing(message: String) throws {
        for both in [false, true] {
            let tools = library(both: both)
            let reply = try say(message, to: tools)
            #expect(tools.returned.isEmpty, "\(message) returned a loan")
            #expect(tools.borrowed.isEmpty)
            #expect(reply.meta.loan == nil)
            #expect(reply.text.contains("due"), "\(message): \(reply.text)")
        }
    }

    @Test("tells the due date of the loan a question names, and how to return it")
    func dueDateOfNamedLoan() throws {
        let tools = library(both: true)
        let reply = try say("when should i bring back the uml book?", to: tools, after: [])
        #expect(reply.text.hasPrefix("“UML Distilled” is due back on 2026-12-15."))
        #expect(reply.text.contains("say “return it”"))
        #expect(reply.meta.focus == Self.uml.id)
        let policy = try say("return policy?", to: tools, after: [])
        #expect(policy.text.contains("1. “UML Distilled”, due 2026-12-15\n2. “Refactoring”, due 2026-12-20"))
        #expect(tools.returned.isEmpty)
    }

    @Test(
        "returns the one loan an explicit command names",
        arguments: [
            "return UML Distilled", "I want to return the uml book", "please return it", "Return it", "return the first one",
            "Please give back UML Distilled.",
        ])
    func commandsReturn(message: String) throws {
        let tools = library(both: true)
        let reply = try say(message, to: tools)
        #expect(tools.returned == [7])
        #expect(reply.text == "Thank you: “UML Distilled” is returned.")
        #expect(reply.meta == ReplyMeta(intent: .giveBack, focus: Self.uml.id, loan: 7))
    }

    @Test("returns nothing when the command's title words fit no loan, or more than one")
    func commandsThatNameNoLoan() throws {
        let tools = library(both: true)
        #expect(try say("return policy", to: tools, after: []).text.hasPrefix("Which one?"))
        #expect(try say("return Design Patterns", to: tools, after: []).text.contains("“design patterns”"))
        #expect(try say("return", to: tools, after: []).text.hasPrefix("Which one?"))
        #expect(tools.returned.isEmpty)
        #expect(try say("return refactoring", to: tools, after: []).text == "Thank you: “Refactoring” is returned.")
        #expect(tools.returned == [8])
    }

    @Test("borrows only on a command; a question or a wish is confirmed first, and 'yes' borrows")
    func borrowing() throws {
        let tools = library()
        let question = try say("Can I borrow it?", to: tools)
        #expect(question.text.hasPrefix("“UML Distilled”: 1 of 2 copies available. Shall I borrow it for you?"))
        #expect(
            question.meta == ReplyMeta(intent: .confirm, focus: Self.uml.id, pending: PendingAction(action: .borrow, book: 1)))
        #expect(try say("could you check out refactoring for me", to: tools).meta.pending?.book == Self.refactoring.id)
        #expect(tools.borrowed.isEmpty)
        let asked =
            Self.aboutUML + [
                ChatMessage(seq: 3, role: .user, content: "Can I borrow it?", meta: nil),
                ChatMessage(seq: 4, role: .assistant, content: question.text, meta: question.meta),
            ]
        #expect(try say("no thanks", to: tools, after: asked).text.contains("I have not borrowed it"))
        #expect(try say("what have I borrowed?", to: tools, after: asked).meta.intent == .loans)
        #expect(tools.borrowed.isEmpty)
        // A "yes" counts only right after the question.
        let later =
            asked + [
                ChatMessage(seq: 5, role: .user, content: "hi", meta: nil),
                ChatMessage(seq: 6, role: .assistant, content: "Hello!", meta: ReplyMeta(intent: .greeting)),
            ]
        _ = try say("yes", to: tools, after: later)
        #expect(tools.borrowed.isEmpty)
        #expect(try say("yes please", to: tools, after: asked).text.hasPrefix("Done: you have borrowed “UML Distilled”."))
        #expect(tools.borrowed == [Self.uml.id])
        let command = try say("I want to borrow refactoring for three weeks", to: tools, after: [])
        #expect(command.text.hasPrefix("Done: you have borrowed “Refactoring”."))
        #expect(tools.borrowed == [Self.uml.id, Self.refactoring.id])
        #expect(try say("borrow refactoring for 45 days", to: tools, after: []).text.contains("1 to 30 days"))
        #expect(tools.borrowed.count == 2)
    }

    @Test(
        "confirms a return that is asked for but not commanded, or misspelt",
        arguments: ["Can you return the uml book?", "I'm done with the uml book", "I've finished it", "retrun it"])
    func confirmedReturns(message: String) throws {
        let tools = library()
        let reply = try say(message, to: tools)
        #expect(reply.meta.pending == PendingAction(action: .giveBack, loan: 7), "\(message): \(reply.text)")
        #expect(reply.text.contains("Shall I return “UML Distilled”"))
        #expect(tools.returned.isEmpty)
        let history =
            Self.aboutUML + [
                ChatMessage(seq: 3, role: .user, content: message, meta: nil),
                ChatMessage(seq: 4, role: .assistant, content: reply.text, meta: reply.meta),
            ]
        #expect(try say("go ahead", to: tools, after: history).text == "Thank you: “UML Distilled” is returned.")
        #expect(tools.returned == [7])
    }

    @Test("renews on a command with its period, and confirms a question first")
    func renewing() throws {
        let tools = library()
        #expect(try say("can I renew it?", to: tools).meta.pending == PendingAction(action: .renew, loan: 7))
        #expect(tools.renewed.isEmpty)
        #expect(try say("renew it for a week", to: tools).text.hasPrefix("Done: “UML Distilled” is renewed"))
        #expect(tools.renewed == [7])
    }

    @Test("answers greetings, thanks and off-topic messages politely, without a book")
    func smallTalk() throws {
        let tools = library()
        for (message, expected) in [
            ("hello", "Hello!"), ("thanks, that's all for now", "You're welcome"), ("what's the weather like?", "Sorry"),
            ("asdf qwerty", "I did not understand that."),
        ] {
            let reply = try say(message, to: tools)
            #expect(reply.text.hasPrefix(expected), "\(message): \(reply.text)")
            #expect(reply.meta.focus == nil && reply.meta.pending == nil)
        }
        #expect(tools.borrowed.isEmpty && tools.returned.isEmpty)
    }

    @Test("matches a loan by any word of a long title, past its eighth word")
    func longTitles() throws {
        let larman = Book(
            id: 3,
            title: "Applying UML and Patterns: An Introduction to Object-Oriented Analysis and Design and Iterative Development",
            author: "Craig Larman", isbn: "0131489062", year: 2004, copies: 2, availableCopies: 1)
        let tools = RecordingLibrary(
            catalog: [Self.uml, larman],
            loans: [
                RecordingLibrary.loan(id: 7, book: Self.uml, due: "2026-12-15T09:00:00Z"),
                RecordingLibrary.loan(id: 9, book: larman, due: "2026-12-16T09:00:00Z"),
            ])
        #expect(try say("return the iterative development book", to: tools, after: []).text.hasPrefix("Thank you: “Applying UML"))
        #expect(tools.returned == [9])
    }
}
