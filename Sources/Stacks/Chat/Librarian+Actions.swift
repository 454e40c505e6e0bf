// Changing loans and holds: the one place the librarian carries out an action, for an explicit
// command or for a "yes" to the action the previous reply proposed (`ReplyMeta.pending`). A
// refusal by the library's rules is told in the reply, and nothing changes.

extension Librarian {
    /// A reply that proposes an action and waits for "yes".
    func confirm(_ action: PendingAction, _ question: String, book: Int64?) -> Reply {
        Reply(
            text: question + " Say “yes” to confirm or “no” to leave it.",
            meta: ReplyMeta(intent: .confirm, focus: book, pending: action))
    }

    /// Carries out an action.
    func perform(_ action: PendingAction, _ tools: LibraryTools) throws -> Reply {
        switch action.action {
        case .borrow:
            guard let id = action.book, let book = try tools.book(id: id) else { return gone() }
            return try refusable("borrow “\(book.title)”", intent: .borrow, focus: book.id) {
                let loan = try tools.borrow(bookID: book.id, days: action.days)
                return Reply(
                    text: "Done: you have borrowed “\(book.title)”. It is due back on \(loan.dueDate.prefix(10)).",
                    meta: ReplyMeta(intent: .borrow, focus: book.id, loan: loan.id))
            }
        case .giveBack:
            guard let id = action.loan else { return gone() }
            return try refusable(
                loanTitle(id, tools).map { "return “\($0)”" } ?? "return that book", intent: .giveBack, focus: nil
            ) {
                let returned = try tools.giveBack(loanID: id)
                return Reply(
                    text: "Thank you: “\(returned.bookTitle)” is returned.",
                    meta: ReplyMeta(intent: .giveBack, focus: returned.bookID, loan: returned.id))
            }
        case .renew:
            guard let id = action.loan else { return gone() }
            return try refusable(loanTitle(id, tools).map { "renew “\($0)”" } ?? "renew that loan", intent: .renew, focus: nil) {
                let renewed = try tools.renew(loanID: id, days: action.days)
                return Reply(
                    text: "Done: “\(renewed.bookTitle)” is renewed and now due back on \(renewed.dueDate.prefix(10)).",
                    meta: ReplyMeta(intent: .renew, focus: renewed.bookID, loan: renewed.id))
            }
        case .hold:
            guard let id = action.book, let book = try tools.book(id: id) else { return gone() }
            return try refusable("place a hold on “\(book.title)”", intent: .holds, focus: book.id) {
                let hold = try tools.placeHold(bookID: book.id)
                return Reply(
                    text: "Done: you have a hold. " + Self.standing(hold), meta: ReplyMeta(intent: .holds, focus: book.id))
            }
        case .cancelHold:
            guard let id = action.hold else { return gone() }
            return try refusable("cancel that hold", intent: .holds, focus: nil) {
                let hold = try tools.cancelHold(holdID: id)
                return Reply(
                    text: "Your hold on “\(hold.bookTitle)” is cancelled.", meta: ReplyMeta(intent: .holds, focus: hold.bookID))
            }
        }
    }

    /// "no" to a proposed action.
    func declined(_ action: PendingAction, _ tools: LibraryTools) -> Reply {
        let what: String
        switch action.action {
        case .borrow: what = "I have not borrowed it"
        case .giveBack: what = "I have not returned it, and it stays on loan to you"
        case .renew: what = "I have not renewed it"
        case .hold: what = "I have not placed a hold"
        case .cancelHold: what = "your hold stays as it is"
        }
        return Reply(
            text: "All right: \(what). What else can I do for you?", meta: ReplyMeta(intent: .confirm, focus: action.book))
    }

    private func gone() -> Reply {
        Reply(text: "I cannot find what that was about any more; please ask again.", meta: ReplyMeta(intent: .help))
    }

    /// The title of one of the member's active loans, read only to word a refusal.
    private func loanTitle(_ id: Int64, _ tools: LibraryTools) throws -> String? {
        try tools.activeLoans().first { $0.id == id }?.bookTitle
    }

    /// `action`'s reply, or the library's refusal told in a sentence; `what` (read only when refused)
    /// says what could not be done.
    private func refusable(
        _ what: @autoclosure () throws -> String, intent: Intent, focus: Int64?, _ action: () throws -> Reply
    ) throws -> Reply {
        do {
            return try action()
        } catch let refused where refused is LoanError || refused is BookError || refused is HoldError {
            var text = "I could not \(try what()): \(ErrorCatalogue.problem(for: refused).problem.detail)"
            if refused as? LoanError == .noCopyFree { text += " Say “place a hold on it” to join the queue." }
            return Reply(text: text, meta: ReplyMeta(intent: intent, focus: focus))
        }
    }
}
