// What earlier turns established, read from the stored messages' metadata: the latest numbered
// list, the book under discussion, and which book a reference in a new message points at. Each
// answer comes from the first question, the latest reply that listed or pointed at a book, or the
// latest reply that listed books, so those three messages give the same answers as all of them.
import StacksWire

/// The conversation so far, for resolving references.
struct History {
    /// Earlier messages, oldest first: all of them, or at least the three named above.
    let messages: [ChatMessage]
    /// How many messages the conversation holds.
    let count: Int

    /// The history of `count` messages of which `messages` were read.
    init(_ messages: [ChatMessage], count: Int) {
        self.messages = messages
        self.count = count
    }

    /// The reply just before the new message, if the conversation's last message is one.
    var previousReply: ChatMessage? {
        guard let last = messages.last, last.seq == count, last.role == .assistant else { return nil }
        return last
    }

    /// The action the previous reply asked the member to confirm.
    var pending: PendingAction? { previousReply?.meta?.pending }

    /// The search behind the latest list, for "more".
    var latestSearch: (search: SearchMeta, shown: Int)? {
        guard let meta = messages.last(where: { $0.meta?.items?.isEmpty == false })?.meta, let search = meta.search else {
            return nil
        }
        return (search, meta.items?.count ?? 0)
    }

    /// The ids of the most recent numbered list the assistant showed.
    var latestItems: [Int64]? {
        messages.last { $0.meta?.items?.isEmpty == false }?.meta?.items
    }

    /// The book the latest reply was about (its focus, or the only item of its list).
    var focus: Int64? {
        for message in messages.reversed() {
            guard let meta = message.meta else { continue }
            if let focus = meta.focus { return focus }
            if let items = meta.items, items.count == 1 { return items[0] }
            if meta.items?.isEmpty == false { return nil }
        }
        return nil
    }

    /// Whether the message refers to something earlier at all.
    func references(_ text: Phrase) -> Bool { text.ordinal != nil || text.pointsAtFocus }

    /// The book a message refers to: an ordinal into the latest list ("the second one", "the last
    /// book you mentioned"), or the book under discussion ("it").
    func book(for text: Phrase, _ tools: LibraryTools) throws -> Book? {
        if let ordinal = text.ordinal {
            if ordinal == -1 && text.has("mentioned"), let last = lastMentioned { return try tools.book(id: last) }
            guard let items = latestItems else { return nil }
            let index = ordinal == -1 ? items.count - 1 : ordinal
            guard items.indices.contains(index) else { return nil }
            return try tools.book(id: items[index])
        }
        if text.pointsAtFocus, let focus { return try tools.book(id: focus) }
        return nil
    }

    /// The last book any reply mentioned: its focus, or the last item of its list.
    private var lastMentioned: Int64? {
        for message in messages.reversed() {
            guard let meta = message.meta else { continue }
            if let focus = meta.focus { return focus }
            if let last = meta.items?.last { return last }
        }
        return nil
    }
}
