// The one thing the job runner needs from an HTTP client: POST these bytes to this URL within this
// time, refusing a URL that leads to a private address unless allowed. The executable supplies it
// (Outbound, on libcurl, in stacks-jobs), so the application module and the workers link no HTTP client.

/// One attempt's request.
public struct WebhookRequest: Sendable {
    /// The receiver's URL.
    public let url: String
    /// Whether the URL may lead to loopback, private and link-local addresses.
    public let allowPrivate: Bool
    /// Header fields, in order.
    public let headers: [(name: String, value: String)]
    /// The JSON body.
    public let body: [UInt8]
    /// How long the whole attempt may take.
    public let timeoutMS: Int
}

/// How an attempt went: the receiver's HTTP status, or why there was none.
public struct WebhookReply: Sendable, Equatable {
    /// The HTTP status, when a response arrived.
    public let status: Int?
    /// Why no response arrived (timeout, refused connection, …).
    public let error: String?
    /// How long the attempt took.
    public let milliseconds: Int

    /// A reply as the HTTP client reports it.
    public init(status: Int?, error: String?, milliseconds: Int) {
        self.status = status
        self.error = error
        self.milliseconds = milliseconds
    }
}

/// Sends one webhook attempt and waits for its reply.
public typealias WebhookPost = @Sendable (WebhookRequest) -> WebhookReply
