// `/api/chat`: each POST reads from PostgreSQL what of the history a reply can depend on,
// computes the reply from it, stores the message and the reply in one transaction, and forgets
// everything. A conversation holds at most STACKS_CHAT_MAX_MESSAGES messages. With a model
// backend the reply is computed before that transaction (ChatHandlers+Model.swift).
import HTTP
import StacksWire

extension ChatBody: RequestBody {
    /// The fields a chat turn may name.
    package static let fields: Set<String> = ["message"]
}

/// Handlers of the conversation endpoints.
enum ChatHandlers {
    /// The assistant behind the endpoints.
    static let assistant: any Assistant & Sendable = Librarian()

    /// `POST /api/chat/{id}`: the reply to one message. The librarian answers inside one transaction
    /// (the second stage); a model answers in the first stage, holding nothing (ChatHandlers+Model.swift).
    static func post(_ request: Request, _ context: RequestContext, _ body: ChatBody) throws -> Endpoint.Finish {
        let name = try conversationName(context)
        var validation = Validation()
        validation.check(
            (1...4000).contains(body.message.unicodeScalars.count) && !body.message.allSatisfy(\.isWhitespace),
            "/message", "must have 1 to 4000 characters")
        try validation.finish()
        let memberID = try context.principal().memberID
        if let model = context.config.model {
            return try modelTurn(request, context, name: name, message: body.message, memberID: memberID, model: model)
        }
        return { try librarianTurn(context, name: name, message: body.message, memberID: memberID) }
    }

    /// The librarian's turn, in one transaction: lock the conversation, read what a reply can
    /// depend on, reply, store the message and the reply.
    static func librarianTurn(_ context: RequestContext, name: String, message: String, memberID: Int64) throws -> Response {
        let connection = try context.connection()
        let (seq, reply) = try connection.transaction {
            let store = ConversationStore(connection: connection, memberID: memberID)
            let conversation = try store.lockOrCreate(name: name)
            let earlier = try store.earlier(conversation: conversation)
            guard earlier.count + 2 <= context.config.chatMaxMessages else {
                throw ChatError.full(limit: context.config.chatMaxMessages)
            }
            let tools = DatabaseLibraryTools(connection: connection, memberID: memberID, config: context.config)
            let reply = try assistant.reply(
                to: ConversationContext(history: earlier.messages, messageCount: earlier.count, message: message), tools: tools)
            let next = earlier.count + 1
            try store.append(conversation: conversation, seq: next, role: .user, content: message, meta: nil)
            try store.append(conversation: conversation, seq: next + 1, role: .assistant, content: reply.text, meta: reply.meta)
            return (next + 1, reply)
        }
        return replied(name, seq, reply)
    }

    /// The answer to a post whose reply is stored as message `seq`.
    static func replied(_ name: String, _ seq: Int, _ reply: Reply) -> Response {
        Response.success(ChatReply(conversationID: name, messageID: seq, response: reply.text), message: "Replied")
    }

    /// `GET /api/chat/{id}`: the messages in order, paginated.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let name = try conversationName(context)
        let paging = try KeyPaging(query, sort: "seq", filter: name, defaultLimit: 50, maxKey: Int64(Int32.max))
        let store = ConversationStore(connection: try context.connection(), memberID: try context.principal().memberID)
        guard let conversation = try store.find(name: name) else { throw Problem.notFound("You have no conversation '\(name)'.") }
        let rows = try store.messages(conversation: conversation, after: Int(paging.position ?? 0), limit: paging.limit + 1)
        return paging.response(request, rows: rows, key: { Int64($0.id) }, noun: "message")
    }

    /// `GET /api/chat`: the caller's conversations, newest first.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let paging = try KeyPaging(query, sort: "-id", filter: "chat")
        let store = ConversationStore(connection: try context.connection(), memberID: try context.principal().memberID)
        let rows = try store.conversations(before: paging.position, limit: paging.limit + 1)
        return paging.response(request, rows: rows, key: \.rowID, noun: "conversation")
    }

    /// `DELETE /api/chat/{id}`: forgets a conversation; deleting one that is not there is 204 too.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let name = try conversationName(context)
        try ConversationStore(connection: context.connection(), memberID: context.principal().memberID).delete(name: name)
        return Response.empty(.noContent)
    }

    private static func conversationName(_ context: RequestContext) throws(Problem) -> String {
        guard let name = context.parameters.get("id"), (1...64).contains(name.count),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { throw Problem.badRequest("A conversation id has 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'.") }
        return name
    }
}

/// What a conversation refuses; ErrorCatalogue.swift maps each to its problem.
enum ChatError: Error, Equatable {
    /// The conversation holds this many messages, the most one may (409).
    case full(limit: Int)
    /// Another message was stored while a model computed this reply, which was therefore not stored (409).
    case changed
}
