// The one place that sends bytes: a URLSession with nothing kept between requests (ephemeral: no
// cookies, no cache), behind a protocol so that the retry loop can be tested without a network.
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends one HTTP request and gives back the response.
public protocol Transport: Sendable {
    /// The response to `request`, or the error that kept it from coming.
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse)
}

/// A transport over its own URLSession.
public struct SessionTransport: Transport {
    private let session: URLSession

    /// A transport with a fresh ephemeral session: every client made this way is a separate client.
    public init(timeout: TimeInterval = 35) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    /// Sends `request` on the session.
    public func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        return (data, http)
    }
}
