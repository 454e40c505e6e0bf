// The hand-written request log line against Foundation: the same JSON, whatever the path holds.
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct RequestLogTests {
    @Test(
        "writes one JSON object that Foundation reads back field for field",
        arguments: [
            ("/api/books", nil, nil), ("/api/chat/a\"b\\c", "12", "boom\n\tline\u{1}"), ("/api/b\u{7F}é☕", nil, "x/y"),
        ] as [(String, String?, String?)])
    func line(path: String, member: String?, detail: String?) throws {
        let log = RequestLog(pid: 4242) { _ in }
        let started = Date(timeIntervalSince1970: 1_764_547_200.25)
        let text = log.line(
            request: Request(method: "GET", path: path, requestID: "r\"1"), response: .empty(.notFound), started: started,
            finished: started.addingTimeInterval(0.02), detail: detail, member: member)
        #expect(!text.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["path"] as? String == path)
        #expect(object["method"] as? String == "GET")
        #expect(object["request_id"] as? String == "r\"1")
        #expect(object["status"] as? Int == 404)
        #expect(object["pid"] as? Int == 4242)
        #expect(object["level"] as? String == "info")
        #expect(object["duration_ms"] as? Double == 20)
        #expect(object["member"] as? String == member)
        #expect(object["error"] as? String == detail)
        #expect(object["time"] as? String == "2025-12-01T00:00:00Z")
        let positions = object.keys.sorted().compactMap { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.count == object.count && positions == positions.sorted(), "keys in sorted order")
    }

    @Test("quotes strings as Foundation's encoder does", arguments: ["plain", "q\"b\\s/", "\u{0}\u{8}\u{C}\n\r\t\u{1F}", "é☕𝄞"])
    func quoted(text: String) {
        #expect(JSONText.quoted(text) == String(decoding: JSONCoding.encode(text), as: UTF8.self))
    }
}
