// Why a plain HTTP exchange failed, in words fit for a log line (never a body or a header value).

/// A failed exchange.
public enum PlainHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not one this client handles.
    case badURL(String)
    /// The host name gave no address.
    case resolve(String)
    /// No address accepted the connection (refused, unreachable); the last reason.
    case connect(String)
    /// The deadline passed; `phase` says where (connecting, sending, waiting for the answer).
    case timedOut(phase: String)
    /// A socket call failed while sending or receiving.
    case io(String)
    /// The server's answer is not well-formed HTTP/1.x.
    case malformedResponse(String)
    /// The answer is larger than the limit, in bytes.
    case responseTooLarge(limit: Int)
    /// The connection closed before the announced body arrived.
    case truncated

    /// One sentence for logs.
    public var description: String {
        switch self {
        case .badURL(let reason): "bad URL: \(reason)"
        case .resolve(let reason): reason
        case .connect(let reason): "could not connect: \(reason)"
        case .timedOut(let phase): "timed out \(phase)"
        case .io(let reason): "connection failed: \(reason)"
        case .malformedResponse(let reason): "malformed response: \(reason)"
        case .responseTooLarge(let limit): "the response is larger than \(limit) bytes"
        case .truncated: "the connection closed before the response was complete"
        }
    }
}
