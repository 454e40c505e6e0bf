// The assistant seam: a reply is computed from the conversation's stored history, the new
// message and the library tools — nothing else. Other backends implement the same protocol.

/// Who wrote a message.
enum ChatRole: String, Sendable, Codable {
    case user, assistant
}

/// What a reply did, stored with it so later turns can refer back to it.
enum Intent: String, Sendable, Codable {
    case search, book, availability, borrow, loans, history, help
    /// The reply returned (or answered about returning) a loan.
    case giveBack = "return"
}

/// One stored message of a conversation.
struct ChatMessage: Sendable, Equatable {
    /// Position in the conversation, from 1.
    let seq: Int
    /// Who wrote it.
    let role: ChatRole
    /// The text.
    let content: String
    /// What the assistant recorded with its reply (nil for user messages).
    let meta: ReplyMeta?
}

/// Structured facts stored with a reply, so later turns resolve "the second one" or "it"
/// without re-reading prose.
struct ReplyMeta: Codable, Sendable, Equatable {
    /// What the reply did: `search`, `book`, `availability`, `borrow`, `return`, `loans`, `history`, `help`.
    var intent: Intent
    /// The book ids the reply listed, in the numbered order shown.
    var items: [Int64]? = nil
    /// The one book the reply was about, if any ("it").
    var focus: Int64? = nil
    /// The loan the reply created or ended, if any.
    var loan: Int64? = nil
}

/// What the assistant sees: the earlier messages a reply can depend on, how many there are, and
/// the new message.
struct ConversationContext {
    /// Earlier messages, oldest first: the whole conversation, or (as `ChatHandlers` loads it)
    /// only the first question and the latest replies that listed or pointed at a book, from
    /// which `History` resolves every reference alike. A backend that needs more reads more.
    let history: [ChatMessage]
    /// How many messages the conversation holds before this one.
    let messageCount: Int
    /// The message to answer.
    let message: String

    /// A context over the whole of `history`.
    init(history: [ChatMessage], message: String) {
        self.init(history: history, messageCount: history.count, message: message)
    }

    /// A context over some of the earlier messages, of `messageCount` in all.
    init(history: [ChatMessage], messageCount: Int, message: String) {
        self.history = history
        self.messageCount = messageCount
        self.message = message
    }
}

/// A computed reply.
struct Reply: Equatable {
    /// The text shown to the member.
    let text: String
    /// The facts stored with it.
    let meta: ReplyMeta
}

/// What the assistant may consult and do: the catalog and the caller's loans, through the same
/// code and rules as the REST endpoints.
protocol LibraryTools {
    /// Books whose author matches, in catalog order.
    func books(byAuthor author: String, limit: Int) throws -> [Book]
    /// Books matching a full-text query, in catalog order.
    func books(about text: String, limit: Int) throws -> [Book]
    /// One book.
    func book(id: Int64) throws -> Book?
    /// The caller's loans not yet returned, the soonest due first.
    func activeLoans() throws -> [Loan]
    /// Borrows a book for the caller (REST rules and problems).
    func borrow(bookID: Int64) throws -> Loan
    /// Returns one of the caller's loans (REST rules and problems).
    func giveBack(loanID: Int64) throws -> Loan
}

/// A conversational backend.
protocol Assistant {
    /// The reply to the last message of `context`.
    func reply(to context: ConversationContext, tools: LibraryTools) throws -> Reply
}
