// The test database deploy/test starts (STACKS_TEST_DATABASE_URL, as the app role), for tests
// that need PostgreSQL's behaviour rather than a stand-in.
import Foundation
import Postgres
import Testing

/// Connections to the test database.
enum TestDatabase {
    /// A new connection as the app role; fails the test when the suite runs outside deploy/test.
    static func connect() throws -> Connection {
        let url = try #require(
            ProcessInfo.processInfo.environment["STACKS_TEST_DATABASE_URL"],
            "STACKS_TEST_DATABASE_URL is not set: run the suite through deploy/test")
        return try Connection(parameters: ["dbname": url])
    }
}
