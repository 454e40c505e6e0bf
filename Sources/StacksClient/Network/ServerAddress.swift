// Which server a command talks to (`--server`, else STACKS_URL, else http://127.0.0.1:8080),
// checked and written one way, so that the credentials of "http://Host:8080/" and
// "http://host:8080" are the same entry.
import Foundation

/// The base URL of a Stacks API.
public struct ServerAddress: Sendable, Equatable {
    /// The URL requests are made from, without a trailing slash.
    public let url: URL

    /// The address when neither `--server` nor STACKS_URL names one.
    public static let defaultAddress = "http://127.0.0.1:8080"

    /// The server `text` names: http or https, a host, an optional port and path, nothing else.
    public init(_ text: String) throws(ClientError) {
        guard var parts = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parts.host, !host.isEmpty, parts.query == nil, parts.fragment == nil, parts.user == nil
        else { throw .usage("the server must be an http or https URL such as \(Self.defaultAddress), not '\(text)'") }
        parts.scheme = scheme
        parts.host = host.lowercased()
        while parts.path.hasSuffix("/") { parts.path.removeLast() }
        guard let url = parts.url else { throw .usage("'\(text)' is not a URL") }
        self.url = url
    }

    /// The server chosen by `option` (`--server`), else STACKS_URL in `environment`, else the default.
    public static func chosen(option: String?, environment: [String: String]) throws(ClientError) -> ServerAddress {
        try ServerAddress(option ?? environment["STACKS_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultAddress)
    }

    /// How the credentials file names this server.
    public var key: String { url.absoluteString }

    /// The URL of `path` (starting with `/api/`) with `query`.
    public func url(path: String, query: [URLQueryItem] = []) -> URL {
        var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
        parts.path += path
        parts.queryItems = query.isEmpty ? nil : query
        // URLComponents leaves `+` alone in queries, which servers read as a space.
        parts.percentEncodedQuery = parts.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return parts.url ?? url
    }
}
