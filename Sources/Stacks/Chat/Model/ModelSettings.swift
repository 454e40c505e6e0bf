// Which assistant answers chat messages, and how the model backend reaches its server: an
// OpenAI-compatible chat-completions endpoint over plain http, a model name, one deadline per
// turn, an optional bearer key and a bound on the rounds of tool calls.
import PlainHTTP

/// The backend behind `POST /api/chat/{id}`.
public enum AssistantKind: String, Sendable, Equatable {
    /// The deterministic librarian (the default).
    case librarian
    /// A model behind an OpenAI-compatible server, with the librarian as its fallback.
    case llm
}

/// How to reach the model (STACKS_LLM_*).
public struct ModelSettings: Sendable, Equatable {
    /// Where completions are posted: the base URL with `/v1/chat/completions`.
    public let endpoint: PlainURL
    /// The `model` of every request.
    public let model: String
    /// Milliseconds a whole turn (every round of tool calls) may take before the librarian answers instead.
    public let timeoutMS: Int
    /// Sent as `Authorization: Bearer …` when set.
    public let apiKey: String?
    /// Rounds of tool calls a turn may take before the librarian answers instead.
    public let maxToolRounds: Int

    /// The values `STACKS_LLM_TIMEOUT_MS` may take: below nginx's 30 s fastcgi_read_timeout, with room for the fallback.
    static let timeoutRange = 100...25_000

    /// The completions endpoint of a base URL: `<base>/v1/chat/completions`, where the base may
    /// already end in `/v1` (or be the whole endpoint).
    static func endpoint(base text: String) throws(PlainHTTPError) -> PlainURL {
        let base = try PlainURL(text)
        guard !base.target.contains("?") else { throw .badURL("the base URL has a query") }
        var path = base.target
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/v1/chat/completions") { return base.with(target: path) }
        return base.with(target: path + (path.hasSuffix("/v1") ? "" : "/v1") + "/chat/completions")
    }

    /// Settings from checked values.
    init(endpoint: PlainURL, model: String, timeoutMS: Int, apiKey: String?, maxToolRounds: Int) {
        self.endpoint = endpoint
        self.model = model
        self.timeoutMS = timeoutMS
        self.apiKey = apiKey
        self.maxToolRounds = maxToolRounds
    }
}
