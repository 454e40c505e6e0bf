// The model backend's side of a turn, in process: tool calls run against library tools that fail
// the test if anything is changed, proposals checked and turned into questions with a pending
// action, the books a reply is about, the prompt with its reference notes, and the final answer.
import Foundation
import StacksWire
import Testing

@testable import Stacks

/// Library tools over fixed books, loans and holds; any change is recorded (and must never happen).
final class ReadOnlyLibrary: LibraryTools {
    let catalog: [Book]
    let loans: [Loan]
    let holds: [Hold]
    private(set) var changes: [String] = []

    init(catalog: [Book], loans: [Loan] = [], holds: [Hold] = []) {
        self.catalog = catalog
        self.loans = loans
        self.holds = holds
    }

    func search(_ search: CatalogSearch, offset: Int, limit: Int) -> Found {
        let matches: [Book]
        switch search {
        case .author(let name): matches = catalog.filter { $0.author.lowercased().contains(name.lowercased()) }
        case .words(let words): matches = catalog.filter { $0.title.lowercased().contains(words.lowercased()) }
        }
        return Found(books: Array(matches.dropFirst(offset).prefix(limit)), total: matches.count, approximate: false)
    }

    func book(id: Int64) -> Book? { catalog.first { $0.id == id } }
    func activeLoans() -> [Loan] { loans }
    func activeHolds() -> [Hold] { holds }
    func notices(unreadOnly: Bool, limit: Int) -> [Notice] { [] }
    func dueSoonDays() -> Int { 2 }

    func borrow(bookID: Int64, days: Int?) throws -> Loan { try refuse("borrow \(bookID)") }
    func giveBack(loanID: Int64) throws -> Loan { try refuse("return \(loanID)") }
    func renew(loanID: Int64, days: Int?) throws -> Loan { try refuse("renew \(loanID)") }
    func placeHold(bookID: Int64) throws -> Hold { try refuse("hold \(bookID)") }
    func cancelHold(holdID: Int64) throws -> Hold { try refuse("cancel hold \(holdID)") }

    private func refuse<T>(_ change: String) throws -> T {
        changes.append(change)
        throw HoldError.notFound(0)
    }
}

@Suite struct ModelToolboxTests {
    static let uml = Book(
        id: 1, title: "UML Distilled", author: "Martin Fowler", isbn: "0321193687", year: 2003, copies: 2, availableCopies: 1)
    static let refactoring = Book(
        id: 2, title: "Refactoring", author: "Martin Fowler", isbn: "0201485672", year: 1999, copies: 1, availableCopies: 0)
    static let patterns = Book(
        id: 3, title: "Refactoring to Patterns", author: "Joshua Kerievsky", isbn: "0321213351", year: 2004, copies: 1,
        availableCopies: 1)
    static let loan = Loan(
        id: 70, bookID: 1, bookTitle: "UML Distilled", borrowerName: "Reader", borrowerEmail: "r@example.org",
        borrowDate: "2026-12-01T09:00:00Z", dueDate: "2026-12-15T09:00:00Z", returned: false, returnedAt: nil, renewals: 0,
        barcode: "S1", status: .active)

    func library(loans: [Loan] = []) -> ReadOnlyLibrary {
        ReadOnlyLibrary(catalog: [Self.uml, Self.refactoring, Self.patterns], loans: loans)
    }

    func call(_ name: String, _ arguments: String) -> ToolCall {
        ToolCall(id: "call_x", function: FunctionCall(name: name, arguments: arguments))
    }

    func result(_ outcome: ToolOutcome) throws -> [String: Any] {
        guard case .result(let json) = outcome else { Issue.record("not a result: \(outcome)"); return [:] }
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("search_books returns the page's ids, titles and free copies, and the toolbox remembers the list")
    func search() throws {
        var toolbox = ModelToolbox(tools: library())
        let found = try result(try toolbox.run(call("search_books", #"{"author": "fowler"}"#)))
        let books = try #require(found["books"] as? [[String: Any]])
        #expect(books.map { $0["id"] as? Int } == [1, 2])
        #expect(books.map { $0["available_copies"] as? Int } == [1, 0])
        #expect(found["total"] as? Int == 2)
        #expect(
            toolbox.seen.meta(for: "Here they are.")
                == ReplyMeta(intent: .search, items: [1, 2], search: SearchMeta(author: "fowler")))
    }

    @Test("an unknown tool or bad arguments end the model's turn")
    func refusedCalls() throws {
        var toolbox = ModelToolbox(tools: library())
        #expect(throws: ModelFailure.unknownTool("borrow_now")) { try toolbox.run(call("borrow_now", "{}")) }
        #expect(throws: ModelFailure.badArguments(tool: "get_book", reason: "book_id is missing")) {
            try toolbox.run(call("get_book", "{}"))
        }
        #expect(throws: ModelFailure.badArguments(tool: "search_books", reason: "neither query nor author")) {
            try toolbox.run(call("search_books", "{}"))
        }
        #expect(throws: ModelFailure.badArguments(tool: "propose_return", reason: "neither loan_id nor book_id")) {
            try toolbox.run(call("propose_return", "{}"))
        }
    }

    @Test("propose_borrow asks to confirm with the pending action and borrows nothing")
    func proposeBorrow() throws {
        let tools = library()
        var toolbox = ModelToolbox(tools: tools)
        let outcome = try toolbox.run(call("propose_borrow", #"{"book_id": 3, "days": 7}"#))
        #expect(
            outcome
                == .proposal(
                    Reply(
                        text: "Shall I borrow “Refactoring to Patterns” by Joshua Kerievsky (2004) for you for 7 days? "
                            + "Say “yes” to confirm or “no” to leave it.",
                        meta: ReplyMeta(intent: .confirm, focus: 3, pending: PendingAction(action: .borrow, book: 3, days: 7)))))
        #expect(tools.changes.isEmpty)
    }

    @Test("a proposal the library cannot meet is told to the model as an error, not proposed")
    func unmeetable() throws {
        var toolbox = ModelToolbox(tools: library(loans: [Self.loan]))
        #expect(try result(toolbox.run(call("propose_borrow", #"{"book_id": 99}"#)))["error"] as? String == "No book has id 99.")
        let taken = try result(toolbox.run(call("propose_borrow", #"{"book_id": 2}"#)))["error"] as? String
        #expect(taken?.hasPrefix("No copy of “Refactoring” is free now") == true)
        let onLoan = try result(toolbox.run(call("propose_borrow", #"{"book_id": 1}"#)))["error"] as? String
        #expect(onLoan == "The member already has “UML Distilled” on loan.")
        let days = try result(toolbox.run(call("propose_borrow", #"{"book_id": 3, "days": 90}"#)))["error"] as? String
        #expect(days == "days must be from 1 to 30.")
        let noLoan = try result(toolbox.run(call("propose_return", #"{"loan_id": 71}"#)))["error"] as? String
        #expect(noLoan == "The member has no active loan with id 71; see my_loans.")
        let noHold = try result(toolbox.run(call("propose_cancel_hold", #"{"hold_id": 5}"#)))["error"] as? String
        #expect(noHold == "The member has no open hold with id 5; see my_holds.")
    }

    @Test("propose_return and propose_renew find the loan by its id or its book's, and change nothing")
    func proposeLoanChanges() throws {
        let tools = library(loans: [Self.loan])
        var toolbox = ModelToolbox(tools: tools)
        guard case .proposal(let giveBack) = try toolbox.run(call("propose_return", #"{"book_id": 1}"#)) else {
            Issue.record("no proposal")
            return
        }
        #expect(giveBack.text.hasPrefix("Shall I return “UML Distilled”?"))
        #expect(giveBack.meta.pending == PendingAction(action: .giveBack, book: 1, loan: 70))
        guard case .proposal(let renew) = try toolbox.run(call("propose_renew", #"{"loan_id": 70, "days": 10}"#)) else {
            Issue.record("no proposal")
            return
        }
        #expect(renew.text.hasPrefix("Shall I renew “UML Distilled” (due 2026-12-15) for 10 days?"))
        #expect(renew.meta.pending == PendingAction(action: .renew, book: 1, loan: 70, days: 10))
        #expect(tools.changes.isEmpty)
    }

    @Test("a reply is about the titles it names, in its order, the longer of two overlapping titles counting")
    func references() {
        var seen = TurnBooks()
        seen.listed([
            .init(id: 2, title: "Refactoring"), .init(id: 3, title: "Refactoring to Patterns"),
            .init(id: 1, title: "UML Distilled"),
        ])
        #expect(
            seen.meta(for: "Try “UML Distilled”, then “Refactoring to Patterns”.")
                == ReplyMeta(intent: .search, items: [1, 3]))
        #expect(seen.meta(for: "I recommend Refactoring to Patterns.") == ReplyMeta(intent: .book, focus: 3))
        #expect(seen.meta(for: "1. refactoring\n2. refactoring to patterns\n3. uml distilled").items == [2, 3, 1])
        #expect(seen.meta(for: "Three books matched.") == ReplyMeta(intent: .search, items: [2, 3, 1]))
        seen.looked(at: .init(id: 1, title: "UML Distilled"))
        #expect(seen.meta(for: "It has one free copy.") == ReplyMeta(intent: .book, focus: 1))
        #expect(TurnBooks().meta(for: "Hello!") == ReplyMeta(intent: .help))
    }

    @Test("the prompt: rules, history with reference notes, the first question outside the window, the new message")
    func prompt() {
        let history = [
            ChatMessage(seq: 1, role: .user, content: "Do you have books by Fowler?", meta: nil),
            ChatMessage(seq: 7, role: .assistant, content: "An older reply", meta: ReplyMeta(intent: .help)),
            ChatMessage(seq: 8, role: .user, content: "find refactoring", meta: nil),
            ChatMessage(
                seq: 9, role: .assistant, content: "1. Refactoring\n2. UML", meta: ReplyMeta(intent: .search, items: [2, 1])),
            ChatMessage(seq: 10, role: .user, content: "borrow the second one", meta: nil),
            ChatMessage(
                seq: 11, role: .assistant, content: "Shall I borrow “UML Distilled”?",
                meta: ReplyMeta(intent: .confirm, focus: 1, pending: PendingAction(action: .borrow, book: 1))),
        ]
        let messages = ModelPrompt(ConversationContext(history: history, messageCount: 11, message: "no, the first")).messages
        #expect(messages.map(\.role) == ["system", "user", "assistant", "user", "assistant", "user"])
        #expect(messages[0].content?.hasSuffix("not shown below, was: “Do you have books by Fowler?”") == true)
        #expect(messages[2].content == "1. Refactoring\n2. UML\n[listed book ids, in order: 2, 1]")
        #expect(messages[4].content == "Shall I borrow “UML Distilled”?\n[about book id 1; asked the member to confirm: borrow]")
        #expect(messages[5].content == "no, the first")
        let whole = ModelPrompt(ConversationContext(history: Array(history.prefix(1)), message: "hi")).messages
        #expect(whole.map(\.role) == ["system", "user", "user"])
        #expect(whole[0].content == ModelPrompt.rules)
    }

    @Test("the final answer: notes the model copied are dropped; empty, cut-off or overlong answers end the turn")
    func finalAnswer() throws {
        func answer(_ content: String?, _ reason: String? = "stop") -> CompletionAnswer {
            var json: [String: Any] = ["role": "assistant"]
            if let content { json["content"] = content }
            let body = ["choices": [["message": json, "finish_reason": reason as Any]]]
            return try! CompletionAnswer(json: Array(JSONSerialization.data(withJSONObject: body)))
        }
        var seen = TurnBooks()
        seen.listed([.init(id: 1, title: "UML Distilled")])
        let reply = try ModelAssistant.final(answer("Try UML Distilled.\n[listed book ids, in order: 1]"), seen)
        #expect(reply == Reply(text: "Try UML Distilled.", meta: ReplyMeta(intent: .book, focus: 1)))
        #expect(throws: ModelFailure.badResponse("the answer has neither text nor tool calls")) {
            try ModelAssistant.final(answer("  "), seen)
        }
        #expect(throws: ModelFailure.badResponse("the answer has neither text nor tool calls")) {
            try ModelAssistant.final(answer(nil), seen)
        }
        #expect(throws: ModelFailure.badResponse("the answer was cut off (finish_reason length)")) {
            try ModelAssistant.final(answer("Here are", "length"), seen)
        }
        #expect(throws: ModelFailure.badResponse("the answer is longer than 8000 characters")) {
            try ModelAssistant.final(answer(String(repeating: "a", count: 8001)), seen)
        }
    }
}
