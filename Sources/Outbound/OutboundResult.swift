// What one outbound POST came to: the HTTP status if a response head arrived, or one sentence
// saying why not, with the elapsed time and the start of the response body for logs.

/// The outcome of one `OutboundPost.send()`.
public struct OutboundResult: Sendable, Equatable {
    /// The HTTP status when a response head arrived; nil otherwise.
    public let status: Int?
    /// One sentence when the exchange failed (timeout, refused connection, unresolvable host, refused URL);
    /// a failure after the response head arrived (a body cut short) has both `status` and `error`.
    public let error: String?
    /// Time spent in `send()`, in milliseconds.
    public let milliseconds: Int
    /// The first ≤ 200 bytes of the response body, decoded as lossy UTF-8.
    public let responseSnippet: String

    /// A result with every field given.
    public init(status: Int?, error: String?, milliseconds: Int, responseSnippet: String) {
        self.status = status
        self.error = error
        self.milliseconds = milliseconds
        self.responseSnippet = responseSnippet
    }

    /// A result for a POST that ended without a response.
    static func failure(_ error: String, milliseconds: Int) -> OutboundResult {
        OutboundResult(status: nil, error: error, milliseconds: milliseconds, responseSnippet: "")
    }
}
