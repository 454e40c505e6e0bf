// The librarian's holds and notices: placing a hold on a book named or referred to, the member's
// place in each queue, cancelling a hold, and the unread notices ("any news?").
import StacksWire

extension Librarian {
    /// Verbs that make a message a command to place a hold.
    static let holdVerbs = [
        "place a hold on", "place a hold for", "put a hold on", "place hold on", "hold", "reserve",
        "put me on the waiting list for",
        "put me on the list for", "put me in the queue for", "add me to the queue for", "add me to the waiting list for",
        "queue me for", "get in line for", "join the queue for", "place a hold", "put a hold",
    ]
    /// Verbs that make a message a command to cancel a hold.
    static let cancelHoldVerbs = [
        "cancel my hold on", "cancel the hold on", "cancel my hold for", "cancel the hold for", "cancel my reservation for",
        "cancel my reservation of", "cancel my reservation", "cancel the reservation", "cancel my hold", "cancel the hold",
        "cancel hold", "remove my hold on", "remove my hold", "drop my hold on", "drop my hold", "take me off the queue for",
        "take me off the waiting list for", "take me off the list for", "take me off the queue", "cancel my holds",
    ]

    /// "place a hold on it", "reserve the second one", "can I reserve Clean Code?".
    func hold(_ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools, explicit: Bool) throws -> Reply {
        let book: Book
        switch try bookMeant(object, filler: ["hold", "on", "for", "it", "please", "me", "a", "place"], text, history, tools) {
        case .book(let meant): book = meant
        case .reply(let reply): return reply
        case .nothing:
            return explicit || history.references(text)
                ? unresolved(history)
                : Reply(
                    text: "When every copy of a book is on loan, I can place a hold for you: you join its queue and "
                        + "the next free copy waits for you on the hold shelf. Say “place a hold on” and the title.",
                    meta: ReplyMeta(intent: .help))
        }
        let action = PendingAction(action: .hold, book: book.id)
        if explicit && !text.corrected { return try perform(action, tools) }
        return confirm(action, "Shall I place a hold on “\(book.title)” (\(Self.copies(book)))?", book: book.id)
    }

    /// "cancel my hold", "cancel my hold on Clean Code": cancels the one hold meant.
    func cancelHold(_ object: String, _ text: Phrase, _ history: History, _ tools: LibraryTools, explicit: Bool) throws -> Reply {
        let open = try tools.activeHolds()
        guard !open.isEmpty else {
            return Reply(text: "You have no holds to cancel.", meta: ReplyMeta(intent: .holds, items: []))
        }
        let words = Self.titleWords(object)
        var chosen: [Hold]
        if !words.isEmpty {
            chosen = open.filter { Self.titleFits(words, $0.bookTitle) }
        } else if history.references(text), let book = try history.book(for: text, tools) {
            chosen = open.filter { $0.bookID == book.id }
        } else {
            chosen = open.count == 1 ? open : []
        }
        guard chosen.count == 1, let hold = chosen.first else {
            if !words.isEmpty && chosen.isEmpty {
                return Reply(
                    text: "You have no hold on a book called “\(words.joined(separator: " "))”.", meta: ReplyMeta(intent: .holds))
            }
            return holdList(open, heading: "Which hold? You have:", tail: "Say for example “cancel my hold on” and the title.")
        }
        let action = PendingAction(action: .cancelHold, hold: hold.id)
        if explicit && !text.corrected { return try perform(action, tools) }
        return confirm(action, "Shall I cancel your hold on “\(hold.bookTitle)”?", book: hold.bookID)
    }

    /// "where am I in the queue?", "my holds": each hold and where it stands.
    func holds(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply {
        let open = try tools.activeHolds()
        guard !open.isEmpty else {
            return Reply(
                text: "You have no holds. When every copy of a book is on loan, say “place a hold on it” to join its queue.",
                meta: ReplyMeta(intent: .holds, items: []))
        }
        let words = Self.titleWords(text.text)
        let named = words.isEmpty ? [] : open.filter { Self.titleFits(words, $0.bookTitle) }
        if named.count == 1 || open.count == 1 {
            let hold = named.first ?? open[0]
            return Reply(text: Self.standing(hold), meta: ReplyMeta(intent: .holds, focus: hold.bookID))
        }
        return holdList(open, heading: "Your holds:", tail: nil)
    }

    /// Where one hold stands, in a sentence.
    static func standing(_ hold: Hold) -> String {
        if hold.status == .awaitingPickup {
            return "A copy of “\(hold.bookTitle)” is waiting for you on the hold shelf"
                + (hold.pickupExpiresAt.map { " until \($0.prefix(16).replacingOccurrences(of: "T", with: " ")) UTC" } ?? "")
                + "."
        }
        let position = hold.position.map { "number \($0) of \(hold.queueLength)" } ?? "waiting"
        return "You are \(position) in the queue for “\(hold.bookTitle)”."
    }

    private func holdList(_ holds: [Hold], heading: String, tail: String?) -> Reply {
        let lines = holds.enumerated().map { "\($0.offset + 1). \(Self.standing($0.element))" }
        return Reply(
            text: ([heading] + lines + (tail.map { [$0] } ?? [])).joined(separator: "\n"),
            meta: ReplyMeta(intent: .holds, items: holds.map(\.bookID)))
    }

    /// "any news?": the unread notices, newest first.
    func notices(_ tools: LibraryTools) throws -> Reply {
        let unread = try tools.notices(unreadOnly: true, limit: 6)
        guard !unread.isEmpty else { return Reply(text: "You have no new notices.", meta: ReplyMeta(intent: .notices)) }
        let lines = unread.prefix(5).map { "• \($0.message)" }
        let more = unread.count > 5 ? ["… and more in your notices (GET /api/notices)."] : []
        let books = unread.prefix(5).compactMap(\.bookID)
        return Reply(
            text: (["Your new notices:"] + lines + more).joined(separator: "\n"),
            meta: ReplyMeta(intent: .notices, items: books))
    }
}
