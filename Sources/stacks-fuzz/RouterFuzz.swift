// Fuzz target `router`: the API's route table against any method and path. The input is
// `METHOD path` (no space: a GET of the whole input). A match's parameters are non-empty and its
// canonical path routes to the same parameters; a miss is a 400, 404 or 405 with a fitting Allow.
import Foundation
import HTTP
import Stacks

/// Method and path → route, with the router's invariants.
enum RouterFuzz {
    private static let router = Routes.table()

    /// Runs one input.
    static func run(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        let method: Method
        let path: String
        if let space = text.firstIndex(of: " ") {
            method = Method(rawValue: text[..<space].uppercased())
            path = String(text[text.index(after: space)...])
        } else {
            (method, path) = (.get, text)
        }
        let result = outcome(method, path)
        switch result {
        case .success(let match):
            check(match, method: method)
            if method == .get {
                invariant(outcome(.head, path).parameters == match.parameters, "HEAD does not route like GET")
            }
        case .failure(let problem):
            check(problem, method: method)
        }
    }

    private static func outcome(_ method: Method, _ path: String) -> Result<RouteMatch<Endpoint>, Problem> {
        Result { () throws(Problem) in try router.match(method: method, path: path) }
    }

    private static func check(_ match: RouteMatch<Endpoint>, method: Method) {
        for name in ["id", "barcode"] {
            if let value = match.parameters.get(name) { invariant(!value.isEmpty, "an empty path parameter") }
        }
        if let id = try? match.parameters.id("id") {
            invariant(id > 0 && match.parameters.get("id") == String(id), "id() accepted a non-canonical id")
        }
        invariant(match.path.hasPrefix("/") && !match.path.contains("//"), "the canonical path \(match.path) is not canonical")
        let again = outcome(method, match.path)
        invariant(again.parameters == match.parameters, "the canonical path routes elsewhere")
        invariant(again.path == match.path, "the canonical path of the canonical path differs")
    }

    private static func check(_ problem: Problem, method: Method) {
        switch problem.status {
        case .badRequest, .notFound:
            break
        case .methodNotAllowed:
            let allowed = (problem.headers["Allow"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            invariant(!allowed.isEmpty && !allowed.contains(method.rawValue), "a 405 allows nothing, or the method itself")
            invariant(allowed.contains("GET") == allowed.contains("HEAD"), "Allow lists GET without HEAD or HEAD without GET")
        default:
            invariantBroken("routing answered \(problem.status.code)")
        }
    }
}

extension Result where Success == RouteMatch<Endpoint>, Failure == Problem {
    fileprivate var parameters: PathParameters? { try? get().parameters }
    fileprivate var path: String? { try? get().path }
}
