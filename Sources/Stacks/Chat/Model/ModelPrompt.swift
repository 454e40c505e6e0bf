// What the model is sent: a system prompt with the librarian's rules, the loaded history as
// messages — each earlier reply followed by a note of the book ids it listed or was about, so the
// model resolves "the second one" as the librarian does — and the new message.
import Foundation

/// The opening messages of a model turn.
struct ModelPrompt {
    /// The rules every turn starts with.
    static let rules = """
        You are the librarian of a lending library, chatting with one member. Use the tools to answer: \
        search_books, get_book, my_loans, my_holds and my_notices read the catalog and the member's account.
        Rules:
        - Ground every answer in tool results and this conversation. Never invent books, ids, copies, dates or policies.
        - You cannot change loans or holds yourself. To borrow, return, renew, place a hold or cancel a hold, call the \
        matching propose_* tool with ids from tool results or the notes below; the member is then asked to confirm. \
        Never say that anything was borrowed, returned, renewed, placed or cancelled.
        - When you list books, number them and write each title exactly as the tools gave it, with its author.
        - An earlier reply of yours may be followed by a note in square brackets with the ids of the books it listed, \
        in order, or the book it was about: "the second one" is the second id listed, "it" is the book the latest \
        reply was about. Use these ids with the tools; never write such notes yourself.
        - Answer in a few sentences, in the member's language.
        """

    /// The messages: the rules, the history (oldest first), the new message.
    let messages: [WireMessage]

    /// The prompt for `context`, whose history is a window of the latest messages, possibly
    /// preceded by the conversation's first question.
    init(_ context: ConversationContext) {
        var history = context.history
        var rules = Self.rules
        // The first question outside the window is told in the system prompt, so the messages stay
        // a run of consecutive turns that opens with the member's (as strict chat templates want).
        if history.count >= 2, history[0].seq + 1 < history[1].seq, history[0].role == .user {
            rules += "\nThe member's first message in this conversation, not shown below, was: “\(history[0].content)”"
            history.removeFirst()
        }
        while history.first?.role == .assistant { history.removeFirst() }
        var messages = [WireMessage.text("system", rules)]
        for message in history {
            switch message.role {
            case .user: messages.append(.text("user", message.content))
            case .assistant: messages.append(.text("assistant", message.content + Self.note(message.meta)))
            }
        }
        messages.append(.text("user", context.message))
        self.messages = messages
    }

    /// The note after an earlier reply: the ids it listed, the book it was about, what it waits for.
    static func note(_ meta: ReplyMeta?) -> String {
        guard let meta else { return "" }
        var parts: [String] = []
        if let items = meta.items, !items.isEmpty {
            parts.append("listed book ids, in order: " + items.map(String.init).joined(separator: ", "))
        }
        if let focus = meta.focus { parts.append("about book id \(focus)") }
        if let pending = meta.pending { parts.append("asked the member to confirm: \(pending.action.rawValue)") }
        return parts.isEmpty ? "" : "\n[" + parts.joined(separator: "; ") + "]"
    }

    /// The reply without notes the model copied from its history.
    static func withoutNotes(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                let bracketed = trimmed.hasPrefix("[") && trimmed.hasSuffix("]")
                return !(bracketed && (trimmed.contains("book ids") || trimmed.contains("about book id")))
            }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
