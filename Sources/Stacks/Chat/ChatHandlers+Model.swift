// A chat turn answered by a model, which may take seconds: nothing is locked and no transaction is
// open while it thinks. The first stage reads the history (autocommit; the first statement also
// carries the access token's check, so the caller is authenticated before the model is asked) and
// lets the model answer with reading tools only. The second stage, in one transaction, locks the
// conversation and stores the message and the reply only if no other message arrived meanwhile
// (else 409 conversation-changed, nothing stored). A "yes" or "no" to a pending action, and every
// failure of the model, go to the librarian's turn — exactly as in librarian mode.
import HTTP
import Postgres

extension ChatHandlers {
    /// The first stage of a model's turn; returns the stage that stores it.
    static func modelTurn(
        _ request: Request, _ context: RequestContext, name: String, message: String, memberID: Int64, model: ModelSettings
    ) throws -> Endpoint.Finish {
        let librarian = { try librarianTurn(context, name: name, message: message, memberID: memberID) }
        // A retry of a turn already answered is replayed from its key, not thought through again.
        if let stored = try context.storedResponse(for: request) { return { stored } }
        let connection = try context.connection()
        let store = ConversationStore(connection: connection, memberID: memberID)
        let loaded = try store.recent(name: name, limit: ModelAssistant.historyLength)
        guard loaded.count + 2 <= context.config.chatMaxMessages else {
            throw ChatError.full(limit: context.config.chatMaxMessages)
        }
        let turn = ConversationContext(history: loaded.messages, messageCount: loaded.count, message: message)
        if Librarian.settlesPending(turn) { return librarian }
        let reply: Reply
        do {
            let tools = DatabaseLibraryTools(connection: connection, memberID: memberID, config: context.config)
            reply = try ModelAssistant(settings: model).reply(to: turn, tools: tools)
        } catch let error as PostgresError where error.isUnavailable {
            throw error
        } catch {
            context.notes.detail =
                "librarian answered: " + ((error as? ModelFailure)?.description ?? "model turn failed: \(error)")
            return librarian
        }
        return {
            let seq = try connection.transaction {
                let conversation = try store.lockOrCreate(name: name)
                guard loaded.conversation == nil || loaded.conversation == conversation,
                    try store.count(conversation: conversation) == loaded.count
                else { throw ChatError.changed }
                try store.append(conversation: conversation, seq: loaded.count + 1, role: .user, content: message, meta: nil)
                try store.append(
                    conversation: conversation, seq: loaded.count + 2, role: .assistant, content: reply.text, meta: reply.meta)
                return loaded.count + 2
            }
            return replied(name, seq, reply)
        }
    }
}
