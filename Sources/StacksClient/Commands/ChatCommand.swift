// `stacks chat [ID] [MESSAGE…]`: one turn when a message follows the id, else a conversation read
// line by line (a prompt on a terminal) until end of input or /quit. The server keeps the history;
// the client sends the conversation's id and the new message, nothing else.
import Foundation
import StacksWire

/// The conversation command.
enum ChatCommand {
    /// `stacks chat`.
    static let chat = Command(
        CommandSpec(
            "chat", "[ID] [MESSAGE…]", positionals: 0...200,
            "Talk with the librarian: one turn with a message, else line by line until /quit or end of input. Without an ID a new conversation starts."
        )
    ) { (context: inout Context) throws(ClientError) in
        let words = context.invocation.positionals
        let id = words.first ?? "cli-" + UUID().uuidString.lowercased().prefix(12).filter { $0 != "-" }
        guard id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw .usage("a conversation id has 1 to 64 characters from A-Z, a-z, 0-9, _ and -, not '\(id)'")
        }
        if words.count > 1 {
            try await turn(words.dropFirst().joined(separator: " "), in: id, &context)
            return
        }
        let terminal = context.console.terminal
        if terminal.inputIsTerminal {
            context.console.note("Conversation \(id) (continue it later with: stacks chat \(id)). Type /quit or Ctrl-D to end.")
        }
        while true {
            if terminal.inputIsTerminal { context.console.write("you> ") }
            guard let line = readLine(strippingNewline: true) else {
                if terminal.inputIsTerminal { context.console.print("") }
                return
            }
            let message = line.trimmingCharacters(in: .whitespaces)
            if message == "/quit" || message == "/exit" { return }
            if message.isEmpty { continue }
            do throws(ClientError) {
                try await turn(message, in: id, &context)
            } catch {
                // A refused message ends nothing but that turn; an unreachable server ends the conversation.
                guard case .problem = error else { throw error }
                context.console.note(error.line)
            }
        }
    }

    /// Sends one message and prints the reply.
    private static func turn(_ message: String, in id: String, _ context: inout Context) async throws(ClientError) {
        let reply = try await context.data(.send("POST", "/api/chat/\(id)", ChatBody(message: message)))
        context.show(reply) { "librarian> " + $0.text("response") }
    }
}
