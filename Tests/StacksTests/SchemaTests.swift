// The build's list of migrations must be exactly the files in sql/, so readiness is honest.
import Foundation
import Testing

@testable import Stacks

@Suite struct SchemaTests {
    @Test("lists every numbered migration in sql/, in order")
    func matchesFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("sql").path)
            .filter { $0.range(of: #"^[0-9]{3}_.*\.sql$"#, options: .regularExpression) != nil }
            .map { String($0.dropLast(4)) }.sorted()
        #expect(!files.isEmpty)
        #expect(Schema.migrations == files)
    }
}
