// HTTP validators (RFC 9110 §8.8, §13): strong ETags from the response bytes, and the
// conditional GET that answers 304 when the client already holds them.
import Crypto
import HTTP

/// Conditional request handling.
enum Conditional {
    /// The strong entity tag of a body.
    static func etag(of body: [UInt8]) -> String {
        "\"" + Hex.encode(Array(SHA256.hash(body).prefix(16))) + "\""
    }

    /// Tags `response` with `tag`, and turns it into a 304 if `If-None-Match` matches.
    static func get(_ request: Request, _ response: Response, tag: String) -> Response {
        var tagged = response
        tagged.headers.set("ETag", tag)
        tagged.headers.set("Cache-Control", "no-cache")
        if let header = request.headers["If-None-Match"], matches(header, tag, weak: true) {
            return Response.empty(.notModified, headers: Headers([("ETag", tag), ("Cache-Control", "no-cache")]))
        }
        return tagged
    }

    /// Refuses a write whose `If-Match` does not match the current tag (412); no header means no condition.
    static func checkIfMatch(_ request: Request, current tag: String) throws(Problem) {
        guard let header = request.headers["If-Match"] else { return }
        guard matches(header, tag, weak: false) else {
            throw Problem(
                .preconditionFailed,
                detail: "The resource changed since you read it (If-Match does not match its ETag); read it again.",
                headers: Headers([("ETag", tag)]))
        }
    }

    /// Whether a list of entity tags (or `*`) matches; weak comparison ignores `W/`.
    static func matches(_ header: String, _ tag: String, weak: Bool) -> Bool {
        let candidates = header.split(separator: ",").map(\.trimmingOptionalWhitespace)
        return candidates.contains { candidate in
            if candidate == "*" { return true }
            if candidate.hasPrefix("W/") { return weak && String(candidate.dropFirst(2)) == tag }
            return candidate == tag
        }
    }
}
