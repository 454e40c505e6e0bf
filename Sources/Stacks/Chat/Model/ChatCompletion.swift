// The OpenAI chat-completions wire format, as far as the model backend speaks it: a request with
// messages and function tools, and an answer whose first choice holds either text or tool calls
// (each call's arguments a JSON text). Decoding is lenient where servers differ (a missing call id,
// arguments sent as an object, extra fields) and strict where the meaning would be lost.
import Foundation
import HTTP
import StacksWire

/// One message of the conversation sent to the model, or the model's own message.
struct WireMessage: Codable, Equatable, Sendable {
    /// `system`, `user`, `assistant` or `tool`.
    var role: String
    /// The text; nil for an assistant message that only calls tools.
    var content: String?
    /// The tools an assistant message calls.
    var toolCalls: [ToolCall]? = nil
    /// The call a `tool` message answers.
    var toolCallID: String? = nil

    enum CodingKeys: String, CodingKey {
        case role, content
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    /// A system, user or assistant message with text.
    static func text(_ role: String, _ content: String) -> WireMessage { WireMessage(role: role, content: content) }

    /// The result of a tool call, as a JSON text.
    static func result(of call: ToolCall, _ json: String) -> WireMessage {
        WireMessage(role: "tool", content: json, toolCallID: call.id)
    }
}

/// A function call the model asks for.
struct ToolCall: Codable, Equatable, Sendable {
    /// The call's id, echoed by its result.
    var id: String
    /// Always `function`.
    var type: String = "function"
    /// Which function, with what.
    var function: FunctionCall
}

/// The function and its arguments.
struct FunctionCall: Codable, Equatable, Sendable {
    /// The tool's name.
    var name: String
    /// The arguments as a JSON text (an object).
    var arguments: String

    init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }

    /// Arguments arrive as a JSON text; some servers send the object itself, which is kept as its text.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        if let text = try? container.decode(String.self, forKey: .arguments) {
            arguments = text
        } else if let object = try container.decodeIfPresent(JSONValue.self, forKey: .arguments) {
            arguments = String(decoding: JSONCoding.encode(object), as: UTF8.self)
        } else {
            arguments = "{}"
        }
    }
}

/// A function the model may call: its name, what it does, and a JSON Schema of its arguments.
struct ToolDefinition: Encodable, Sendable {
    /// Always `function`.
    let type = "function"
    /// The function.
    let function: Function

    /// A function's declaration.
    struct Function: Encodable, Sendable {
        let name: String
        let description: String
        let parameters: JSONValue
    }

    /// A function tool.
    init(_ name: String, _ description: String, parameters: JSONValue) {
        function = Function(name: name, description: description, parameters: parameters)
    }
}

/// The body of `POST /v1/chat/completions`.
struct CompletionRequest: Encodable, Sendable {
    /// The model's name.
    let model: String
    /// The conversation, system prompt first.
    let messages: [WireMessage]
    /// The functions offered.
    let tools: [ToolDefinition]
    /// `auto`, or `none` when no more tool calls are allowed.
    let toolChoice: String
    /// 0: the same question gets the same answer as far as the server allows.
    let temperature = 0
    /// One answer, not a stream.
    let stream = false

    enum CodingKeys: String, CodingKey {
        case model, messages, tools, temperature, stream
        case toolChoice = "tool_choice"
    }
}

/// What the server answered: the first choice's message and why it stopped.
struct CompletionAnswer: Equatable, Sendable {
    /// The model's message (text, tool calls or both).
    let message: WireMessage
    /// `stop`, `tool_calls`, `length`, … as the server said, if it did.
    let finishReason: String?

    /// Reads a chat-completions response body.
    init(json body: [UInt8]) throws(ModelFailure) {
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: Data(body))
        } catch {
            throw .badResponse("the answer is not a chat completion (\(Self.reason(error)))")
        }
        guard let choice = decoded.choices.first, var message = choice.message else {
            throw .badResponse("the answer has no choice with a message")
        }
        guard message.role == "assistant" || message.role.isEmpty else {
            throw .badResponse("the answer's message has the role \(message.role)")
        }
        message.role = "assistant"
        if let calls = message.toolCalls {
            message.toolCalls = calls.enumerated().map { index, call in
                var call = call
                if call.id.isEmpty { call.id = "call_\(index)" }
                call.type = "function"
                return call
            }
            if calls.isEmpty { message.toolCalls = nil }
        }
        self.message = message
        finishReason = choice.finishReason
    }

    private struct Body: Decodable {
        let choices: [Choice]
    }

    private struct Choice: Decodable {
        let message: WireMessage?
        let finishReason: String?
        enum CodingKeys: String, CodingKey {
            case message
            case finishReason = "finish_reason"
        }
    }

    /// Where decoding failed, never the text itself.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not JSON"
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)) has the wrong type"
        @unknown default: return "undecodable"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
}

extension WireMessage {
    /// Decodes a message, tolerating a missing role (taken as the assistant's) and a call without an id.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decodeIfPresent(String.self, forKey: .role) ?? ""
        content = try container.decodeIfPresent(String.self, forKey: .content)
        toolCalls = try container.decodeIfPresent([LenientCall].self, forKey: .toolCalls)?.map(\.call)
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
    }

    /// A tool call whose id or type may be missing.
    private struct LenientCall: Decodable {
        let call: ToolCall
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: ToolCall.CodingKeys.self)
            call = ToolCall(
                id: try container.decodeIfPresent(String.self, forKey: .id) ?? "",
                function: try container.decode(FunctionCall.self, forKey: .function))
        }
    }
}

extension ToolCall {
    enum CodingKeys: String, CodingKey {
        case id, type, function
    }
}
