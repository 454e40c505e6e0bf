// The `Idempotency-Key` (or `X-Idempotency-Key`) header and the request fingerprint it is
// bound to: method, path, query and the decoded body, so that formatting does not matter.
import Crypto
import Foundation
import HTTP

/// A validated idempotency key of a request.
struct IdempotencyKey: Equatable {
    /// The key as sent (1–255 printable ASCII characters).
    let value: String

    /// The request's key, nil when it has none; a malformed key is a 400.
    init?(_ request: Request) throws(Problem) {
        let plain = request.headers["Idempotency-Key"]
        let prefixed = request.headers["X-Idempotency-Key"]
        if let plain, let prefixed, plain != prefixed {
            throw Problem.badRequest("Idempotency-Key and X-Idempotency-Key differ; send one.")
        }
        guard let value = plain ?? prefixed else { return nil }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw Problem.badRequest("An idempotency key must be 1 to 255 printable ASCII characters.")
        }
        self.value = value
    }

    /// SHA-256 of the decoded request: method, path, sorted query, canonical JSON body.
    static func fingerprint(of request: Request) -> String {
        let query = ((try? request.query().items) ?? []).map { "\($0.name)=\($0.value)" }.sorted().joined(separator: "&")
        var body = request.body
        if !body.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
            let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        {
            body = Array(canonical)
        }
        // The path is the canonical one the router gave (`//api/x/` and `/api/x` are one request).
        return Hex.encode(SHA256.hash(Array("\(request.method.rawValue)\n\(request.path)\n\(query)\n".utf8) + body))
    }
}
