// Runs the model's tool calls against the library tools. Reading tools return JSON for the model;
// proposals are checked against the member's own loans, holds and the catalog and become the
// turn's question with a pending action, which only the librarian carries out after a "yes". A
// proposal the library cannot meet (no such loan, no free copy) is told to the model as a result.
import HTTP

/// What one tool call came to.
enum ToolOutcome: Equatable {
    /// JSON for the model.
    case result(String)
    /// The change proposed, checked: the turn ends with this question.
    case proposal(Reply)
}

/// Tool calls of one turn, on one member's library tools.
struct ModelToolbox {
    /// The member's tools (reads only are used).
    let tools: LibraryTools
    /// Books the results showed, for the reply's references.
    private(set) var seen = TurnBooks()

    /// How many books a search page has.
    static let pageSize = Librarian.listLength

    init(tools: LibraryTools) {
        self.tools = tools
    }

    /// Runs one call.
    mutating func run(_ call: ToolCall) throws -> ToolOutcome {
        let name = call.function.name
        guard ModelTools.reading.contains(name) || ModelTools.proposing.contains(name) else {
            throw ModelFailure.unknownTool(name)
        }
        let arguments = try ToolArguments(call.function.arguments, tool: name)
        switch name {
        case "search_books": return try search(arguments)
        case "get_book":
            let id = try arguments.requiredInteger("book_id")
            guard let book = try tools.book(id: id) else { return Self.error("No book has id \(id).") }
            seen.looked(at: TurnBooks.Seen(id: book.id, title: book.title))
            return Self.json(["book": BookFact(book)])
        case "my_loans":
            let loans = try tools.activeLoans()
            seen.listed(loans.compactMap { loan in loan.bookID.map { TurnBooks.Seen(id: $0, title: loan.bookTitle) } })
            return Self.json(["loans": loans.map(LoanFact.init)])
        case "my_holds":
            let holds = try tools.activeHolds()
            seen.listed(holds.map { TurnBooks.Seen(id: $0.bookID, title: $0.bookTitle) })
            return Self.json(["holds": holds.map(HoldFact.init)])
        case "my_notices":
            let notices = try tools.notices(unreadOnly: try arguments.boolean("unread_only") ?? false, limit: 10)
            return Self.json(["notices": notices.map(NoticeFact.init)])
        default: return try propose(name, arguments)
        }
    }

    private mutating func search(_ arguments: ToolArguments) throws -> ToolOutcome {
        let query = try arguments.string("query")
        let author = try arguments.string("author")
        let offset = Int(clamping: max(0, min(try arguments.integer("offset") ?? 0, 10_000)))
        guard let search = author.map(CatalogSearch.author) ?? query.map(CatalogSearch.words) else {
            throw ModelFailure.badArguments(tool: "search_books", reason: "neither query nor author")
        }
        let found = try tools.search(search, offset: offset, limit: Self.pageSize)
        let meta = author != nil ? SearchMeta(author: author, offset: offset) : SearchMeta(words: query, offset: offset)
        seen.listed(found.books.map { TurnBooks.Seen(id: $0.id, title: $0.title) }, search: meta)
        return Self.json(SearchFacts(found: found, offset: offset))
    }

    // MARK: proposals

    private mutating func propose(_ name: String, _ arguments: ToolArguments) throws -> ToolOutcome {
        switch name {
        case "propose_borrow":
            let days = try arguments.integer("days")
            guard days.map({ Loan.periodDays.contains(Int($0)) }) ?? true else {
                return Self.error("days must be from \(Loan.periodDays.lowerBound) to \(Loan.periodDays.upperBound).")
            }
            let id = try arguments.requiredInteger("book_id")
            guard let book = try tools.book(id: id) else { return Self.error("No book has id \(id).") }
            if try tools.activeLoans().contains(where: { $0.bookID == id }) {
                return Self.error("The member already has “\(book.title)” on loan.")
            }
            guard book.available else {
                return Self.error("No copy of “\(book.title)” is free now; propose_hold would put the member in its queue.")
            }
            let period = days.map { " for \($0) day\($0 == 1 ? "" : "s")" } ?? ""
            return confirm(
                "Shall I borrow \(Librarian.title(book)) for you\(period)?",
                PendingAction(action: .borrow, book: book.id, days: days.map(Int.init)), book: book.id)
        case "propose_return", "propose_renew":
            let renewing = name == "propose_renew"
            let days = try renewing ? arguments.integer("days") : nil
            guard days.map({ Loan.periodDays.contains(Int($0)) }) ?? true else {
                return Self.error("days must be from \(Loan.periodDays.lowerBound) to \(Loan.periodDays.upperBound).")
            }
            let loanID = try arguments.integer("loan_id")
            let bookID = try arguments.integer("book_id")
            guard loanID != nil || bookID != nil else {
                throw ModelFailure.badArguments(tool: name, reason: "neither loan_id nor book_id")
            }
            let loans = try tools.activeLoans()
            guard let loan = loans.first(where: { loanID != nil ? $0.id == loanID : $0.bookID == bookID }) else {
                let which = loanID.map { "with id \($0)" } ?? "of book \(bookID ?? 0)"
                return Self.error("The member has no active loan \(which); see my_loans.")
            }
            return renewing
                ? confirm(
                    "Shall I renew “\(loan.bookTitle)” (due \(loan.dueDate.prefix(10)))\(days.map { " for \($0) days" } ?? "")?",
                    PendingAction(action: .renew, book: loan.bookID, loan: loan.id, days: days.map(Int.init)), book: loan.bookID)
                : confirm(
                    "Shall I return “\(loan.bookTitle)”?", PendingAction(action: .giveBack, book: loan.bookID, loan: loan.id),
                    book: loan.bookID)
        case "propose_hold":
            let id = try arguments.requiredInteger("book_id")
            guard let book = try tools.book(id: id) else { return Self.error("No book has id \(id).") }
            if try tools.activeHolds().contains(where: { $0.bookID == id }) {
                return Self.error("The member already has a hold on “\(book.title)”.")
            }
            return confirm(
                "Shall I place a hold on \(Librarian.title(book)) for you?", PendingAction(action: .hold, book: book.id),
                book: book.id)
        default:  // propose_cancel_hold
            let id = try arguments.requiredInteger("hold_id")
            guard let hold = try tools.activeHolds().first(where: { $0.id == id }) else {
                return Self.error("The member has no open hold with id \(id); see my_holds.")
            }
            let action = PendingAction(action: .cancelHold, book: hold.bookID, hold: hold.id)
            return confirm("Shall I cancel your hold on “\(hold.bookTitle)”?", action, book: hold.bookID)
        }
    }

    /// The question that ends the turn, in the librarian's words, with the action it waits for.
    private func confirm(_ question: String, _ action: PendingAction, book: Int64?) -> ToolOutcome {
        .proposal(
            Reply(
                text: question + " Say “yes” to confirm or “no” to leave it.",
                meta: ReplyMeta(intent: .confirm, focus: book, pending: action)))
    }

    // MARK: results

    private static func json(_ value: some Encodable) -> ToolOutcome {
        .result(String(decoding: JSONCoding.encode(value), as: UTF8.self))
    }

    private static func error(_ sentence: String) -> ToolOutcome { json(["error": sentence]) }
}
