// nginx answers some 405s itself (TRACE, which it refuses before any location; a method a static
// file does not take): their Allow comes from a map in nginx/stacks.conf, which must name for every
// route's path exactly what the worker's own 405 names.
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct NginxAllowTests {
    /// The regex → Allow lines of the `$stacks_allow` map, in order (nginx tries them so).
    static func allowMap() throws -> [(regex: NSRegularExpression, allow: String)] {
        let text = try NginxProblemTests.template()
        let start = try #require(text.range(of: "map $stacks_path $stacks_allow {"))
        let end = try #require(text[start.upperBound...].range(of: "\n}"))
        var entries: [(regex: NSRegularExpression, allow: String)] = []
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            guard quoted.count == 5, quoted[1].hasPrefix("~") else { continue }
            let pattern = quoted[1].dropFirst().replacingOccurrences(of: "\\\\", with: "\\")
            entries.append((try NSRegularExpression(pattern: pattern), String(quoted[3])))
        }
        #expect(entries.count >= 5)
        return entries
    }

    /// The Allow nginx's 405 gives for a path: the first regex that matches, else none.
    static func nginxAllow(_ path: String, in map: [(regex: NSRegularExpression, allow: String)]) -> String? {
        let range = NSRange(path.startIndex..., in: path)
        return map.first { $0.regex.firstMatch(in: path, range: range) != nil }?.allow
    }

    /// The Allow of the worker's 405 for a method no route of the path takes.
    static func workerAllow(_ path: String) -> String? {
        do {
            _ = try Routes.table().match(method: "TRACE", path: path)
            return nil
        } catch {
            return error.headers["Allow"]
        }
    }

    @Test("names for every route's path the methods the worker's 405 names, with or without a trailing slash")
    func sameAsTheWorkers() throws {
        let map = try Self.allowMap()
        for pattern in Set(Routes.table().patterns.map(\.pattern)) {
            let path = pattern.replacingOccurrences(of: "{id}", with: "12")
                .replacingOccurrences(of: "{barcode}", with: "S0000000042")
            let worker = try #require(Self.workerAllow(path), "\(path): the worker gave no 405")
            #expect(Self.nginxAllow(path, in: map) == worker, "\(path)")
            #expect(Self.nginxAllow(path + "/", in: map) == worker, "\(path)/")
        }
    }

    @Test("names GET and HEAD for the static files and nothing for a path no route has")
    func staticFilesAndUnknownPaths() throws {
        let map = try Self.allowMap()
        #expect(Self.nginxAllow("/api/openapi.json", in: map) == "GET, HEAD")
        #expect(Self.nginxAllow("/api/docs/index.html", in: map) == "GET, HEAD")
        #expect(Self.nginxAllow("/api/nothing", in: map) == nil)
        #expect(Self.nginxAllow("/api/books/12/nothing", in: map) == nil)
    }
}
