// The OpenAPI document (docs/openapi.json) and the route table name the same operations: every
// route is documented, every documented operation is routed, except the document's own path,
// which nginx serves.
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct OpenAPIRoutesTests {
    /// The operations the document has but no worker routes: nginx serves them itself.
    static let servedByNginx: Set<RoutePattern> = [RoutePattern(.get, "/api/openapi.json")]

    /// The methods an OpenAPI path item may hold.
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The method and path of every operation of docs/openapi.json in this checkout.
    static func documented() throws -> Set<RoutePattern> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("docs/openapi.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations = Set<RoutePattern>()
        for (path, item) in paths {
            for method in methods where item[method] != nil {
                operations.insert(RoutePattern(Method(rawValue: method.uppercased()), path))
            }
        }
        return operations
    }

    @Test("documents every route of the table")
    func everyRouteIsDocumented() throws {
        let documented = try Self.documented()
        let missing = Routes.table().patterns.filter { !documented.contains($0) }.map(\.description)
        #expect(missing.isEmpty, "routes missing from docs/openapi.json: \(missing)")
    }

    @Test("routes every documented operation but the document itself, which nginx serves")
    func everyDocumentedOperationIsRouted() throws {
        let routed = Set(Routes.table().patterns)
        let extra = try Self.documented().subtracting(routed).subtracting(Self.servedByNginx).map(\.description).sorted()
        #expect(extra.isEmpty, "operations in docs/openapi.json that no route serves: \(extra)")
        #expect(Self.servedByNginx.isDisjoint(with: routed), "a route shadows a path nginx serves")
    }

    @Test("declares each route once")
    func noRouteTwice() {
        let patterns = Routes.table().patterns
        #expect(Set(patterns).count == patterns.count)
    }
}
