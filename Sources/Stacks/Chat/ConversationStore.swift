// Conversation SQL. Posting locks the conversation's row first, so two posts to one
// conversation run one after the other in the database, each seeing every earlier message; it
// reads only the few messages a reply can depend on, so its cost does not grow with the history.
import Foundation
import HTTP
import Postgres

/// A conversation as listed.
struct ConversationInfo: JSONWritable, Sendable {
    /// The row id, for paging; not shown.
    let rowID: Int64
    let id: String
    let messages: Int
    let createdAt: String
    let updatedAt: String
    private enum CodingKeys: String, CodingKey {
        case id, messages
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("created_at", createdAt)
            json.field("id", id)
            json.field("messages", messages)
            json.field("updated_at", updatedAt)
        }
    }
}

/// A message as shown.
struct MessageView: JSONWritable, Sendable {
    let id: Int
    let role: String
    let content: String
    let createdAt: String
    private enum CodingKeys: String, CodingKey {
        case id, role, content
        case createdAt = "created_at"
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("content", content)
            json.field("created_at", createdAt)
            json.field("id", id)
            json.field("role", role)
        }
    }
}

/// Conversation SQL for one member.
struct ConversationStore {
    let connection: Connection
    let memberID: Int64

    /// The conversation's row id, created on first use, locked until the transaction ends.
    func lockOrCreate(name: String) throws -> Int64 {
        // One statement creates the row or locks the existing one (DO UPDATE takes the row lock),
        // so a DELETE racing in between cannot leave us without a row.
        try connection.query(
            """
            INSERT INTO conversations (member_id, name) VALUES (\(memberID), \(name))
            ON CONFLICT (member_id, name) DO UPDATE SET updated_at = conversations.updated_at RETURNING id
            """)[0].int64("id")
    }

    /// The conversation's row id, if the member has one with this name.
    func find(name: String) throws -> Int64? {
        try connection.query("SELECT id FROM conversations WHERE member_id = \(memberID) AND name = \(name)")
            .first.map { try $0.int64("id") }
    }

    /// What a reply can depend on, however long the conversation: how many messages it holds
    /// (numbered 1…count) and, oldest first, at most four of them: the first question, the latest
    /// reply that listed or pointed at a book, the latest reply that listed books, and the latest
    /// message (a reply waiting for a "yes"). `History` resolves every reference from these
    /// exactly as from the whole conversation.
    func earlier(conversation: Int64) throws -> (count: Int, messages: [ChatMessage]) {
        let rows = try connection.query(
            """
            SELECT \(fragment: Self.count(of: "\(conversation)")) AS count,
                   n.seq, n.role, n.content, n.meta
            FROM (SELECT) AS one LEFT JOIN (
                (SELECT seq, role, content, meta::text AS meta FROM messages
                 WHERE conversation_id = \(conversation) AND role = 'user' ORDER BY seq LIMIT 1)
                UNION
                (SELECT seq, role, content, meta::text FROM messages
                 WHERE conversation_id = \(conversation) AND role = 'assistant'
                       AND (jsonb_typeof(meta -> 'focus') = 'number' OR meta -> 'items' -> 0 IS NOT NULL)
                 ORDER BY seq DESC LIMIT 1)
                UNION
                (SELECT seq, role, content, meta::text FROM messages
                 WHERE conversation_id = \(conversation) AND role = 'assistant' AND meta -> 'items' -> 0 IS NOT NULL
                 ORDER BY seq DESC LIMIT 1)
                UNION
                (SELECT seq, role, content, meta::text FROM messages
                 WHERE conversation_id = \(conversation) ORDER BY seq DESC LIMIT 1)
            ) AS n ON true
            ORDER BY n.seq
            """)
        let count = try rows.first?.int("count") ?? 0
        return (count, try rows.filter { $0["seq"] != nil }.map(Self.message))
    }

    /// For a model's turn, read without locking anything: the conversation's row id (nil when it
    /// does not exist yet), how many messages it holds, and, oldest first, its latest `limit`
    /// messages with the first question before them.
    func recent(name: String, limit: Int) throws -> (conversation: Int64?, count: Int, messages: [ChatMessage]) {
        let rows = try connection.query(
            """
            SELECT c.id AS conversation,
                   \(fragment: Self.count(of: "c.id")) AS count,
                   n.seq, n.role, n.content, n.meta
            FROM (SELECT) AS one
            LEFT JOIN conversations c ON c.member_id = \(memberID) AND c.name = \(name)
            LEFT JOIN LATERAL (
                (SELECT seq, role, content, meta::text AS meta FROM messages
                 WHERE conversation_id = c.id AND role = 'user' ORDER BY seq LIMIT 1)
                UNION
                (SELECT seq, role, content, meta::text FROM messages
                 WHERE conversation_id = c.id ORDER BY seq DESC LIMIT \(limit))
            ) AS n ON true
            ORDER BY n.seq
            """)
        let conversation = try rows.first.flatMap { $0["conversation"] != nil ? try $0.int64("conversation") : nil }
        let count = try rows.first.flatMap { $0["count"] != nil ? try $0.int("count") : nil } ?? 0
        return (conversation, count, try rows.filter { $0["seq"] != nil }.map(Self.message))
    }

    /// How many messages a conversation holds (its highest sequence number).
    func count(conversation: Int64) throws -> Int {
        try connection.query("SELECT \(fragment: Self.count(of: "\(conversation)")) AS count")[0].int("count")
    }

    /// How many messages the conversation `id` holds (its highest sequence number), as a subquery.
    private static func count(of id: SQL) -> SQL {
        "(SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = \(fragment: id))"
    }

    /// A stored message from its row (`seq`, `role`, `content`, `meta` as text).
    private static func message(_ row: Row) throws -> ChatMessage {
        guard let role = ChatRole(rawValue: try row.string("role")) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown chat role")
        }
        let meta =
            role == .assistant ? try? JSONDecoder().decode(ReplyMeta.self, from: Data(try row.string("meta").utf8)) : nil
        return ChatMessage(seq: try row.int("seq"), role: role, content: try row.string("content"), meta: meta)
    }

    /// Appends a message with the next sequence number.
    func append(conversation: Int64, seq: Int, role: ChatRole, content: String, meta: ReplyMeta?) throws {
        let metaJSON = meta.map { String(decoding: JSONCoding.encode($0), as: UTF8.self) } ?? "{}"
        try connection.query(
            """
            INSERT INTO messages (conversation_id, seq, role, content, meta)
            VALUES (\(conversation), \(seq), \(role.rawValue), \(content), \(metaJSON)::jsonb)
            """)
        try connection.query("UPDATE conversations SET updated_at = now() WHERE id = \(conversation)")
    }

    /// A page of messages after `seq`, in order.
    func messages(conversation: Int64, after seq: Int, limit: Int) throws -> [MessageView] {
        try connection.query(
            """
            SELECT seq, role, content, \(fragment: SQLTime.iso("created_at")) AS created_at FROM messages
            WHERE conversation_id = \(conversation) AND seq > \(seq) ORDER BY seq LIMIT \(limit)
            """
        ).map {
            MessageView(
                id: try $0.int("seq"), role: try $0.string("role"), content: try $0.string("content"),
                createdAt: try $0.string("created_at"))
        }
    }

    /// A page of the member's conversations, newest first, before row id `before`.
    func conversations(before: Int64?, limit: Int) throws -> [ConversationInfo] {
        try connection.query(
            """
            SELECT c.id, c.name, \(fragment: SQLTime.iso("c.created_at")) AS created_at,
                   \(fragment: SQLTime.iso("c.updated_at")) AS updated_at,
                   (SELECT count(*) FROM messages WHERE conversation_id = c.id) AS messages
            FROM conversations c WHERE c.member_id = \(memberID) AND (\(before)::bigint IS NULL OR c.id < \(before))
            ORDER BY c.id DESC LIMIT \(limit)
            """
        ).map {
            ConversationInfo(
                rowID: try $0.int64("id"), id: try $0.string("name"), messages: try $0.int("messages"),
                createdAt: try $0.string("created_at"), updatedAt: try $0.string("updated_at"))
        }
    }

    /// Deletes the member's conversation with this name, if any.
    func delete(name: String) throws {
        try connection.query("DELETE FROM conversations WHERE member_id = \(memberID) AND name = \(name)")
    }
}
