// HTTP request methods (RFC 9110 §9): an open set of tokens, with the ones the API routes named.
// A method the router does not know for a path is answered 405 with `Allow`.

/// An HTTP request method, compared by its token (upper case, as methods are case-sensitive and
/// every standard one is upper case).
public struct Method: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The method's token, e.g. `GET`.
    public let rawValue: String

    /// A method by its token.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A method written as a literal, e.g. in tests.
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// Reads a resource.
    public static let get: Method = "GET"
    /// GET without the body.
    public static let head: Method = "HEAD"
    /// Creates or acts.
    public static let post: Method = "POST"
    /// Replaces a resource.
    public static let put: Method = "PUT"
    /// Changes part of a resource.
    public static let patch: Method = "PATCH"
    /// Removes a resource.
    public static let delete: Method = "DELETE"
    /// Asks what a resource allows.
    public static let options: Method = "OPTIONS"

    /// Whether the method only reads (RFC 9110 §9.2.1): anything else may change state.
    public var isSafe: Bool { self == .get || self == .head || self == .options || self == "TRACE" }

    /// The token.
    public var description: String { rawValue }
}
