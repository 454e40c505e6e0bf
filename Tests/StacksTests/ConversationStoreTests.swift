// Conversations against the real database: a post reads a bounded part of the history, and the
// librarian answers from that part exactly as from the whole conversation.
import Foundation
import Postgres
import StacksWire
import Testing

@testable import Stacks

@Suite struct ConversationStoreTests {
    /// A conversation of `turns` question–reply pairs whose replies list books, list none, point at
    /// one book, or point at nothing, in a fixed pseudo-random order over book ids 1–12.
    static func conversation(turns: Int) -> [ChatMessage] {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var messages: [ChatMessage] = []
        for turn in 0..<turns {
            let book = Int64(next(12) + 1)
            let meta: ReplyMeta
            switch next(8) {
            case 0: meta = ReplyMeta(intent: .search, items: (0..<(next(4) + 2)).map { _ in Int64(next(12) + 1) })
            case 1: meta = ReplyMeta(intent: .search, items: [])
            case 2: meta = ReplyMeta(intent: .book, focus: book)
            case 3: meta = ReplyMeta(intent: .loans, items: [book])
            case 4: meta = ReplyMeta(intent: .borrow, focus: book, loan: 9)
            case 5: meta = ReplyMeta(intent: .giveBack)
            case 6: meta = ReplyMeta(intent: .history)
            default: meta = ReplyMeta(intent: .help)
            }
            messages.append(ChatMessage(seq: 2 * turn + 1, role: .user, content: "question \(turn)", meta: nil))
            messages.append(ChatMessage(seq: 2 * turn + 2, role: .assistant, content: "reply \(turn)", meta: meta))
        }
        return messages
    }

    static let questions = [
        "What was the first item?", "the last one", "Is it available?", "The last book you mentioned", "What did I ask first?",
        "How many messages so far?", "tell me about the third one", "that book", "return it?",
    ]

    // The history a post loaded was every message of the conversation, under the conversation's
    // lock, however long it had grown.
    @Test(
        "reads at most four messages of a long conversation (the first question, the latest list, the latest book, the latest message), and the librarian answers from them as from all"
    )
    func boundedHistory() throws {
        let connection = try TestDatabase.connect()
        let memberID = try connection.query(
            "INSERT INTO members (email, name) VALUES (\("chat-\(UUID().uuidString.lowercased())@example.org"), 'Chat Tester') RETURNING id"
        )[0].int64("id")
        defer { _ = try? connection.query("DELETE FROM members WHERE id = \(memberID)") }
        let store = ConversationStore(connection: connection, memberID: memberID)
        let conversation = try store.lockOrCreate(name: "bounded")
        let empty = try store.earlier(conversation: conversation)
        #expect(empty.count == 0 && empty.messages.isEmpty)

        let books = (1...12).map {
            Book(
                id: $0, title: "Book \($0)", author: "Author", isbn: "000000000\($0 % 10)", year: 2000, copies: 1,
                availableCopies: 1)
        }
        let library = RecordingLibrary(catalog: books, loans: [])
        var all: [ChatMessage] = []
        for message in Self.conversation(turns: 300) {
            try store.append(
                conversation: conversation, seq: message.seq, role: message.role, content: message.content, meta: message.meta)
            all.append(message)
            guard all.count < 12 || all.count % 46 == 0 || all.count == 600 else { continue }
            let earlier = try store.earlier(conversation: conversation)
            #expect(earlier.count == all.count)
            #expect(earlier.messages.count <= 4)
            #expect(earlier.messages.last == all.last)
            #expect(earlier.messages.first == all.first)
            for question in Self.questions {
                let fromAll = try Librarian().reply(to: ConversationContext(history: all, message: question), tools: library)
                let fromSome = try Librarian().reply(
                    to: ConversationContext(history: earlier.messages, messageCount: earlier.count, message: question),
                    tools: library)
                #expect(fromSome == fromAll, "after \(all.count) messages: \(question)")
            }
        }
        #expect(library.borrowed.isEmpty && library.returned.isEmpty)
    }
}
