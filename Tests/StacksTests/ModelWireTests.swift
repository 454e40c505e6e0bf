// The chat-completions wire format as the model backend speaks it: the request's exact shape, and
// answers decoded leniently where servers differ (arguments as text or object, a missing call id)
// and refused where the meaning is lost (no choice, not JSON, another role).
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct ModelWireTests {
    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static func answer(_ json: String) throws(ModelFailure) -> CompletionAnswer {
        try CompletionAnswer(json: Array(json.utf8))
    }

    @Test("a request carries the model, the messages with tool calls and results, every tool's schema and the tool choice")
    func request() throws {
        let call = ToolCall(id: "call_1", function: FunctionCall(name: "get_book", arguments: "{\"book_id\":7}"))
        let request = CompletionRequest(
            model: "qwen2.5",
            messages: [
                .text("system", "rules"), .text("user", "tell me about book 7"),
                WireMessage(role: "assistant", content: nil, toolCalls: [call]), .result(of: call, "{\"book\":{}}"),
            ], tools: ModelTools.definitions, toolChoice: "auto")
        let json = try Self.object(JSONCoding.encode(request))
        #expect(json["model"] as? String == "qwen2.5")
        #expect(json["tool_choice"] as? String == "auto")
        #expect(json["stream"] as? Bool == false)
        #expect(json["temperature"] as? Int == 0)
        let messages = try #require(json["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user", "assistant", "tool"])
        #expect(messages[2]["content"] == nil, "an assistant message that only calls tools has no content")
        let sentCall = try #require((messages[2]["tool_calls"] as? [[String: Any]])?.first)
        #expect(sentCall["id"] as? String == "call_1")
        #expect(sentCall["type"] as? String == "function")
        #expect((sentCall["function"] as? [String: Any])?["arguments"] as? String == "{\"book_id\":7}")
        #expect(messages[3]["tool_call_id"] as? String == "call_1")
        #expect(messages[3]["content"] as? String == "{\"book\":{}}")
        let tools = try #require(json["tools"] as? [[String: Any]])
        let functions = tools.compactMap { $0["function"] as? [String: Any] }
        #expect(Set(functions.compactMap { $0["name"] as? String }) == ModelTools.reading.union(ModelTools.proposing))
        #expect(tools.allSatisfy { $0["type"] as? String == "function" })
        for function in functions {
            let parameters = try #require(function["parameters"] as? [String: Any])
            #expect(parameters["type"] as? String == "object")
            #expect(parameters["additionalProperties"] as? Bool == false)
            #expect(!(function["description"] as? String ?? "").isEmpty)
        }
        let borrow = try #require(functions.first { $0["name"] as? String == "propose_borrow" }?["parameters"] as? [String: Any])
        #expect(borrow["required"] as? [String] == ["book_id"])
    }

    @Test("an answer in words: its text and finish reason")
    func textAnswer() throws {
        let answer = try Self.answer(
            """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
             "message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3}}
            """)
        #expect(answer.message.content == "Hello!")
        #expect(answer.message.toolCalls == nil)
        #expect(answer.finishReason == "stop")
    }

    @Test("tool calls: arguments as a JSON text or as an object, a missing id filled in, empty calls as none")
    func toolCalls() throws {
        let answer = try Self.answer(
            """
            {"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
              {"id":"call_a","type":"function","function":{"name":"search_books","arguments":"{\\"query\\":\\"design\\"}"}},
              {"function":{"name":"get_book","arguments":{"book_id":12}}}]},"finish_reason":"tool_calls"}]}
            """)
        let calls = try #require(answer.message.toolCalls)
        #expect(calls.map(\.id) == ["call_a", "call_1"])
        #expect(calls.map(\.function.name) == ["search_books", "get_book"])
        #expect(calls[0].function.arguments == "{\"query\":\"design\"}")
        #expect(calls[1].function.arguments == "{\"book_id\":12}")
        #expect(answer.message.content == nil)
        let none = try Self.answer(#"{"choices":[{"message":{"content":"Hi","tool_calls":[]}}]}"#)
        #expect(none.message.toolCalls == nil)
        #expect(none.message.role == "assistant")
    }

    @Test(
        "an answer that is no chat completion is refused, saying where without quoting it",
        arguments: [
            ("<html>oops", "the answer is not a chat completion (not JSON)"),
            (#"{"error":{"message":"secret prompt"}}"#, "the answer is not a chat completion (choices is missing)"),
            (#"{"choices":[]}"#, "the answer has no choice with a message"),
            (#"{"choices":[{"finish_reason":"stop"}]}"#, "the answer has no choice with a message"),
            (#"{"choices":[{"message":{"role":"user","content":"x"}}]}"#, "the answer's message has the role user"),
            (
                #"{"choices":[{"message":{"content":42}}]}"#,
                "the answer is not a chat completion (choices[0].message.content has the wrong type)"
            ),
            (
                #"{"choices":[{"message":{"tool_calls":[{"id":"c"}]}}]}"#,
                "the answer is not a chat completion (choices[0].message.tool_calls[0].function is missing)"
            ),
        ])
    func refused(json: String, reason: String) {
        #expect(throws: ModelFailure.badResponse(reason)) { try Self.answer(json) }
    }

    @Test("tool arguments: integers (also as 12.0), strings, booleans; wrong types and non-objects refused")
    func arguments() throws {
        let arguments = try ToolArguments(#"{"book_id": 12.0, "days": 7, "query": "  ", "unread_only": true, "x": 1}"#, tool: "t")
        #expect(try arguments.integer("book_id") == 12)
        #expect(try arguments.requiredInteger("days") == 7)
        #expect(try arguments.string("query") == nil)
        #expect(try arguments.boolean("unread_only") == true)
        #expect(try arguments.integer("absent") == nil)
        #expect(try ToolArguments("", tool: "my_loans").integer("x") == nil)
        #expect(throws: ModelFailure.badArguments(tool: "t", reason: "book_id is not an integer")) {
            try ToolArguments(#"{"book_id": "12"}"#, tool: "t").integer("book_id")
        }
        #expect(throws: ModelFailure.badArguments(tool: "t", reason: "book_id is not an integer")) {
            try ToolArguments(#"{"book_id": 1.5}"#, tool: "t").integer("book_id")
        }
        #expect(throws: ModelFailure.badArguments(tool: "t", reason: "book_id is missing")) {
            try ToolArguments("{}", tool: "t").requiredInteger("book_id")
        }
        #expect(throws: ModelFailure.badArguments(tool: "t", reason: "the arguments are not a JSON object")) {
            try ToolArguments("[12]", tool: "t")
        }
        #expect(throws: ModelFailure.badArguments(tool: "t", reason: "the arguments are not a JSON object")) {
            try ToolArguments(#"{"book_id": 12"#, tool: "t")
        }
    }

    @Test("the completions endpoint of a base URL, with or without /v1, or given whole")
    func endpoint() throws {
        for base in [
            "http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/v1", "http://127.0.0.1:8081/v1/",
            "http://127.0.0.1:8081/v1/chat/completions",
        ] {
            #expect(try ModelSettings.endpoint(base: base).description == "http://127.0.0.1:8081/v1/chat/completions", "\(base)")
        }
        #expect(
            try ModelSettings.endpoint(base: "http://gpu.lan/openai").description == "http://gpu.lan/openai/v1/chat/completions")
    }
}
