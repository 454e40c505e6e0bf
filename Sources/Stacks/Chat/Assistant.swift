// The assistant seam: a reply is computed from the conversation's stored history, the new
// message and the library tools — nothing else. Other backends implement the same protocol.
import StacksWire

/// Who wrote a message.
enum ChatRole: String, Sendable, Codable {
    case user, assistant
}

/// What a reply did, stored with it so later turns can refer back to it.
enum Intent: String, Sendable, Codable {
    case search, book, availability, borrow, loans, history, help, renew, holds, notices, greeting
    /// The reply returned (or answered about returning) a loan.
    case giveBack = "return"
    /// The reply asks the member to confirm an action (`ReplyMeta.pending`).
    case confirm
}

/// A change to loans or holds that the assistant proposed and waits to be confirmed ("Shall I
/// return 'UML Distilled'?"); a "yes" in the next turn carries it out, anything else drops it.
struct PendingAction: Codable, Sendable, Equatable {
    /// What to do.
    enum Kind: String, Codable, Sendable {
        case borrow, renew, hold
        case giveBack = "return"
        case cancelHold = "cancel_hold"
    }
    var action: Kind
    /// The book to borrow or hold.
    var book: Int64? = nil
    /// The loan to return or renew.
    var loan: Int64? = nil
    /// The hold to cancel.
    var hold: Int64? = nil
    /// The loan period asked for, if any.
    var days: Int? = nil
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
    /// The action the reply asks the member to confirm, if any.
    var pending: PendingAction? = nil
    /// The search the list came from, so "more" shows the next books.
    var search: SearchMeta? = nil
}

/// The catalog search behind a listed page of books.
struct SearchMeta: Codable, Sendable, Equatable {
    /// Words to search titles and subjects for, or nil.
    var words: String? = nil
    /// An author's name, or nil.
    var author: String? = nil
    /// How many books earlier pages showed.
    var offset: Int = 0
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

/// A catalog search as the assistant runs it: title and subject words, or an author's name.
enum CatalogSearch: Equatable, Sendable {
    /// Words of a title or subject ("machine learning", "pragmatic programmer").
    case words(String)
    /// An author's name, matched word by word ("robert martin", "knuth", "dickens").
    case author(String)
}

/// One page of a search, the most relevant first.
struct Found: Equatable {
    /// The books on this page.
    let books: [Book]
    /// How many books match in all.
    let total: Int
    /// Whether nothing matched exactly and these were found by similar spelling.
    let approximate: Bool
}

/// What the assistant may consult and do: the catalog, the caller's loans, holds, notices and
/// preferences, through the same code and rules as the REST endpoints.
protocol LibraryTools {
    /// Books matching a search, the most relevant first; typos are tolerated.
    func search(_ search: CatalogSearch, offset: Int, limit: Int) throws -> Found
    /// One book.
    func book(id: Int64) throws -> Book?
    /// The caller's loans not yet returned, the soonest due first.
    func activeLoans() throws -> [Loan]
    /// The caller's holds that are waiting or awaiting pickup, oldest first.
    func activeHolds() throws -> [Hold]
    /// The caller's notices, newest first.
    func notices(unreadOnly: Bool, limit: Int) throws -> [Notice]
    /// How many days before its due date a loan counts as due soon (the member's preference).
    func dueSoonDays() throws -> Int
    /// Borrows a book for the caller (REST rules and problems); nil days: the member's default period.
    func borrow(bookID: Int64, days: Int?) throws -> Loan
    /// Returns one of the caller's loans (REST rules and problems).
    func giveBack(loanID: Int64) throws -> Loan
    /// Renews one of the caller's loans (REST rules and problems).
    func renew(loanID: Int64, days: Int?) throws -> Loan
    /// Places a hold on a book for the caller (REST rules and problems).
    func placeHold(bookID: Int64) throws -> Hold
    /// Cancels one of the caller's holds (REST rules and problems).
    func cancelHold(holdID: Int64) throws -> Hold
}

/// A conversational backend.
protocol Assistant {
    /// The reply to the last message of `context`.
    func reply(to context: ConversationContext, tools: LibraryTools) throws -> Reply
}
