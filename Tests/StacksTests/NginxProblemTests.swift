// nginx answers a body over the limit itself (nginx/stacks.conf, rendered with the workers'
// STACKS_MAX_BODY): its body must be the worker's problem, byte for byte.
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct NginxProblemTests {
    /// The text of nginx/stacks.conf in this checkout.
    static func template() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("nginx/stacks.conf"), encoding: .utf8)
    }

    @Test("renders nginx's 413 body and limit from MAX_BODY, as the worker's content-too-large problem")
    func contentTooLarge() throws {
        let text = try Self.template()
        #expect(text.contains("client_max_body_size @MAX_BODY@;"))
        let location = try #require(text.range(of: "location = /_stacks/error/413 {"))
        let line = try #require(text[location.upperBound...].split(separator: "\n").first { $0.contains("return 413 '") })
        let quoted = try #require(line.split(separator: "'", omittingEmptySubsequences: false).dropFirst().first)
        for limit in [1024, 65536, 104_857_600] {
            let rendered = quoted.replacingOccurrences(of: "@MAX_BODY@", with: String(limit))
                .replacingOccurrences(of: "$request_id", with: "0123abcd")
            let worker = Problem.contentTooLarge(limit: limit).response(requestID: "0123abcd")
            #expect(rendered == String(decoding: worker.body, as: UTF8.self))
        }
    }
}
