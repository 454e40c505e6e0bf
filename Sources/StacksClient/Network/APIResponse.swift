// An answer as the client reads it: status, headers, body; the envelope's `data` and `meta`, and
// a problem document turned into the one-line error a user sees.
import Foundation
import StacksWire

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A response of the API.
public struct APIResponse: Sendable, Equatable {
    /// The HTTP status.
    public let status: Int
    /// Header values by lowercased name.
    public let headers: [String: String]
    /// The body's bytes.
    public let body: Data

    /// Makes a response.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200...299).contains(status) }

    /// The header `name` (any case).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as any JSON; nil when it is not JSON.
    public var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: body) }

    /// The problem's slug (`urn:stacks:problem:<slug>`), if the body is a problem document.
    public var problemSlug: String? {
        guard let type = json?.string("type"), type.hasPrefix("urn:stacks:problem:") else { return nil }
        return String(type.dropFirst("urn:stacks:problem:".count))
    }

    /// The error a failed response means: the problem's detail and the status.
    public var problem: ClientError {
        let body = json
        let detail =
            body?.string("detail") ?? body?.string("message")
            ?? HTTPURLResponse.localizedString(forStatusCode: status).capitalizingFirstLetter()
        return .problem(detail: detail, status: status)
    }

    /// The envelope's `data` of a successful response, or the error the response means.
    public func data() throws(ClientError) -> JSONValue {
        guard isSuccess else { throw problem }
        guard let data = json?.member("data") else { throw .problem(detail: "the answer is not the API's JSON", status: status) }
        return data
    }

    /// The envelope's `data` decoded as `T`.
    public func decoded<T: Decodable>(_ type: T.Type) throws(ClientError) -> T {
        guard isSuccess else { throw problem }
        guard let envelope = try? JSONDecoder().decode(Envelope<T>.self, from: body) else {
            throw .problem(detail: "the answer is not the API's JSON", status: status)
        }
        return envelope.data
    }

    /// The envelope's paging facts, if any.
    public var meta: PageMeta? {
        struct Paged: Decodable { let meta: PageMeta? }
        return (try? JSONDecoder().decode(Paged.self, from: body))?.meta
    }
}

extension String {
    /// The string with its first letter in capitals.
    func capitalizingFirstLetter() -> String { prefix(1).uppercased() + dropFirst() }
}
