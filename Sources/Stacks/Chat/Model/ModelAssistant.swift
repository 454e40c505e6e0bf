// The model backend behind `Assistant`: a bounded loop of chat completions in which the model reads
// the catalog and the member's account through tools, until it answers in words or proposes a
// change (which ends the turn with a question to confirm). It never changes a loan or a hold. Any
// failure throws a ModelFailure; the caller then lets the librarian answer.
import Foundation
import PlainHTTP

/// Replies computed by a model on an OpenAI-compatible server.
struct ModelAssistant: Assistant {
    /// Where the model is and how long a turn may take.
    let settings: ModelSettings

    /// How many of the latest messages the model is shown (and the first question besides).
    static let historyLength = 20
    /// The most tool calls one answer of the model may make.
    static let maxCallsPerAnswer = 8
    /// The longest reply kept, in characters.
    static let maxReplyLength = 8000

    func reply(to context: ConversationContext, tools: LibraryTools) throws -> Reply {
        let deadline = Deadline(milliseconds: settings.timeoutMS)
        let client = ModelClient(settings: settings)
        var messages = ModelPrompt(context).messages
        var toolbox = ModelToolbox(tools: tools)
        for round in 0...settings.maxToolRounds {
            let lastRound = round == settings.maxToolRounds
            let answer = try client.complete(
                CompletionRequest(
                    model: settings.model, messages: messages, tools: ModelTools.definitions,
                    toolChoice: lastRound ? "none" : "auto"),
                deadline: deadline)
            guard let calls = answer.message.toolCalls else { return try Self.final(answer, toolbox.seen) }
            guard !lastRound else { throw ModelFailure.tooManyRounds(settings.maxToolRounds) }
            guard calls.count <= Self.maxCallsPerAnswer else {
                throw ModelFailure.badResponse("more than \(Self.maxCallsPerAnswer) tool calls in one answer")
            }
            messages.append(answer.message)
            for call in calls {
                switch try toolbox.run(call) {
                case .result(let json): messages.append(.result(of: call, json))
                case .proposal(let question): return question
                }
            }
        }
        throw ModelFailure.tooManyRounds(settings.maxToolRounds)
    }

    /// The model's answer in words, with the books it is about.
    static func final(_ answer: CompletionAnswer, _ seen: TurnBooks) throws(ModelFailure) -> Reply {
        guard answer.finishReason != "length" else { throw .badResponse("the answer was cut off (finish_reason length)") }
        let text = ModelPrompt.withoutNotes(answer.message.content ?? "")
        guard !text.isEmpty else { throw .badResponse("the answer has neither text nor tool calls") }
        guard text.count <= maxReplyLength else { throw .badResponse("the answer is longer than \(maxReplyLength) characters") }
        return Reply(text: text, meta: seen.meta(for: text))
    }
}
