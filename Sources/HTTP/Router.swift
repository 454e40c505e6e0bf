// Matches a request's method and path against a table of patterns like `/api/books/{id}`.
// No match is 404; a path that matches for other methods only is 405 with `Allow`.

/// The path parameters captured by a route pattern, already percent-decoded.
public struct PathParameters: Sendable, Equatable {
    private var values: [String: String]

    /// Makes parameters from captured name–value pairs.
    public init(_ values: [String: String] = [:]) { self.values = values }

    /// The captured value, if the pattern has that name.
    public func get(_ name: String) -> String? { values[name] }

    /// The captured value as a positive 64-bit id; anything else means no such resource (404).
    public func id(_ name: String) throws(Problem) -> Int64 {
        guard let text = values[name], let id = Int64(text), id > 0, String(id) == text else {
            throw Problem.notFound()
        }
        return id
    }
}

/// What a request's method and path matched: the endpoint, the captured parameters and the
/// canonical path (empty segments dropped, each segment re-encoded), which links are built from.
public struct RouteMatch<Endpoint: Sendable>: Sendable {
    /// The endpoint of the route.
    public let endpoint: Endpoint
    /// The path parameters, percent-decoded.
    public let parameters: PathParameters
    /// The path in canonical form: `//api/books/` is `/api/books`.
    public let path: String
}

/// A route as declared: its method and its path pattern, e.g. `GET /api/books/{id}`.
public struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    /// The method.
    public let method: Method
    /// The pattern, parameters in braces.
    public let pattern: String

    /// Makes a route pattern.
    public init(_ method: Method, _ pattern: String) {
        self.method = method
        self.pattern = pattern
    }

    /// `GET /api/books/{id}`.
    public var description: String { "\(method.rawValue) \(pattern)" }
}

/// A routing table from (method, path pattern) to an endpoint of any type.
public struct Router<Endpoint: Sendable>: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route: Sendable {
        let method: Method
        let segments: [Segment]
        let endpoint: Endpoint
    }

    private var routes: [Route] = []

    /// Makes an empty table.
    public init() {}

    /// Adds a route; `pattern` segments in braces capture a path parameter.
    public mutating func add(_ method: Method, _ pattern: String, _ endpoint: Endpoint) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            part.hasPrefix("{") && part.hasSuffix("}")
                ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, endpoint: endpoint))
    }

    /// Every route's method and pattern, in the order they were added (read-only: for the API's
    /// documentation and its tests).
    public var patterns: [RoutePattern] {
        routes.map { route in
            let segments = route.segments.map { segment in
                switch segment {
                case .literal(let text): text
                case .parameter(let name): "{\(name)}"
                }
            }
            return RoutePattern(route.method, "/" + segments.joined(separator: "/"))
        }
    }

    /// The endpoint, parameters and canonical path for a request, or a 400/404/405 problem.
    public func match(method: Method, path: String) throws(Problem) -> RouteMatch<Endpoint> {
        var decoded: [String] = []
        for raw in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map({ Substring($0) }) {
            guard let segment = PercentDecoding.decode(raw) else {
                throw Problem.badRequest("The path is not correctly percent-encoded.")
            }
            decoded.append(segment)
        }
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.capture(route.segments, decoded) else { continue }
            if route.method == method || (method == .head && route.method == .get) {
                return RouteMatch(
                    endpoint: route.endpoint, parameters: PathParameters(parameters), path: Self.canonical(path, decoded))
            }
            if !allowed.contains(route.method.rawValue) { allowed.append(route.method.rawValue) }
        }
        if allowed.isEmpty { throw Problem.notFound() }
        if allowed.contains("GET") && !allowed.contains("HEAD") { allowed.insert("HEAD", at: allowed.firstIndex(of: "GET")! + 1) }
        throw Problem.methodNotAllowed(method.rawValue, allowed: allowed)
    }

    /// The parameters when the path fits the pattern. The literals are compared first, so the
    /// routes that do not match (nearly all of them) build nothing.
    /// The path re-encoded from its decoded segments; a path that has only unreserved characters
    /// between single slashes is already that and is returned as it is.
    private static func canonical(_ path: String, _ decoded: [String]) -> String {
        var previous = UInt8(ascii: "/")
        var plain = path.utf8.first == UInt8(ascii: "/")
        for byte in path.utf8.dropFirst() where plain {
            let slash = byte == UInt8(ascii: "/")
            plain = !(slash && previous == UInt8(ascii: "/")) && (slash || URLEncoding.isUnreserved(byte))
            previous = byte
        }
        if plain && (previous != UInt8(ascii: "/") || path.utf8.count == 1) { return path }
        return "/" + decoded.map(URLEncoding.component).joined(separator: "/")
    }

    private static func capture(_ pattern: [Segment], _ path: [String]) -> [String: String]? {
        guard pattern.count == path.count else { return nil }
        for index in pattern.indices {
            if case .literal(let text) = pattern[index], text != path[index] { return nil }
        }
        var parameters: [String: String] = [:]
        for index in pattern.indices {
            if case .parameter(let name) = pattern[index] { parameters[name] = path[index] }
        }
        return parameters
    }
}
