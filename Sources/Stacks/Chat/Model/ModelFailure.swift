// Why the model backend gave up on a turn. Each one sends the turn to the librarian, and its
// description goes to the request's log line — never the prompt, the member's words or the reply.
import PlainHTTP

/// A failed model turn.
enum ModelFailure: Error, Equatable, CustomStringConvertible {
    /// The exchange with the server failed (refused, timed out, malformed, too large).
    case transport(PlainHTTPError)
    /// The server answered with a status other than 2xx.
    case status(Int)
    /// The answer is not a usable chat completion.
    case badResponse(String)
    /// The model called a tool that is not offered.
    case unknownTool(String)
    /// The model called a tool with arguments that do not fit its schema.
    case badArguments(tool: String, reason: String)
    /// The model was still calling tools after the allowed rounds.
    case tooManyRounds(Int)
    /// The turn's deadline passed between two exchanges.
    case timedOut

    /// One sentence for the log line.
    var description: String {
        switch self {
        case .transport(let error): "model: \(error)"
        case .status(let code): "model: the server answered \(code)"
        case .badResponse(let reason): "model: \(reason)"
        case .unknownTool(let name): "model: called the unknown tool \(Self.plain(name))"
        case .badArguments(let tool, let reason): "model: bad arguments for \(tool): \(reason)"
        case .tooManyRounds(let rounds): "model: still calling tools after \(rounds) rounds"
        case .timedOut: "model: timed out"
        }
    }

    /// The model wrote it: at most 64 characters, each a letter, digit, '_' or '-' (else '?'), reach the log.
    private static func plain(_ name: String) -> String {
        String(name.prefix(64).map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "?" })
    }
}
