// `Link: rel="next"` targets: the request's own path and query with the cursor replaced.
import HTTP

/// Builds pagination links.
enum PageLinks {
    /// The URL of the next page.
    static func next(_ request: Request, cursor: String) -> String {
        let kept = (try? request.query().items.filter { $0.name != "cursor" }) ?? []
        let pairs = kept.map { "\(URLEncoding.component($0.name))=\(URLEncoding.component($0.value))" }
        return request.path + "?" + (pairs + ["cursor=\(cursor)"]).joined(separator: "&")
    }
}
