// One turn of a conversation: the message sent to `POST /api/chat/{id}` and the reply it gets. The
// server keeps the history; a turn carries only the conversation's id and the new message.

/// `POST /api/chat/{id}` body.
public struct ChatBody: Codable, Sendable, Equatable {
    /// What the member says (1–4000 characters).
    public let message: String

    /// A chat body.
    public init(message: String) {
        self.message = message
    }
}

/// The answer to one message.
public struct ChatReply: Codable, Sendable, Equatable {
    /// The conversation, as the client named it.
    public let conversationID: String
    /// The reply's number in the conversation.
    public let messageID: Int
    /// What the librarian says.
    public let response: String

    /// A reply.
    public init(conversationID: String, messageID: Int, response: String) {
        self.conversationID = conversationID
        self.messageID = messageID
        self.response = response
    }

    private enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id"
        case messageID = "message_id"
        case response
    }
}
