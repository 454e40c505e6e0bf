// Connection.withCheck against the real database: the check goes in the same round trip as the
// body's first statement; when it fails, nothing the body sent runs or commits, and nothing of
// the check is left on the connection afterwards.
import Foundation
import Postgres
import Testing

@Suite(.serialized) struct CheckedPipelineTests {
    static let passing: SQL = "SELECT 1 AS ok"
    /// Fails at run time (a constant 1/0 would already fail when planned).
    static let failing: SQL = "SELECT 1 / (count(*) - count(*))::int AS ok FROM (VALUES (1)) v"

    /// A row id of this run in revoked_tokens, a table the app role may write.
    static func marker(_ name: String) -> String { "check-\(name)-\(UUID().uuidString.prefix(8))" }

    func insert(_ jti: String, _ connection: Connection) throws {
        try connection.query("INSERT INTO revoked_tokens (jti, expires_at) VALUES (\(jti), now() + interval '1 hour')")
    }

    func exists(_ jti: String, _ connection: Connection) throws -> Bool {
        try !connection.query("SELECT FROM revoked_tokens WHERE jti = \(jti)").isEmpty
    }

    func cleanUp(_ jtis: [String], _ connection: Connection) throws {
        for jti in jtis { try connection.query("DELETE FROM revoked_tokens WHERE jti = \(jti)") }
    }

    @Test("a passing check lets the body run and commit, and returns its value")
    func passes() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let jti = Self.marker("pass")
        let outcome = connection.withCheck(Self.passing) { () throws -> Int in
            try insert(jti, connection)
            return try connection.query("SELECT \(41)::int + 1 AS n", prepared: false).first?.int("n") ?? 0
        }
        guard case .passed(let result) = outcome else { Issue.record("the check failed"); return }
        #expect(try result.get() == 42)
        #expect(try exists(jti, connection))
        try cleanUp([jti], connection)
    }

    @Test("a failing check skips the body's first statement and refuses the rest, even when the body swallows errors")
    func fails() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let first = Self.marker("first")
        let second = Self.marker("second")
        var refused = 0
        let outcome = connection.withCheck(Self.failing) { () throws -> Void in
            do { try insert(first, connection) } catch { refused += 1 }
            do { try insert(second, connection) } catch { refused += 1 }
        }
        guard case .failed(let error) = outcome else { Issue.record("the check passed"); return }
        #expect(error.sqlState == SQLState("22012"))
        #expect(refused == 2)
        #expect(try !exists(first, connection))
        #expect(try !exists(second, connection))
        // Nothing of the check stays: the next statements run as usual.
        #expect(try connection.query("SELECT 3 AS n").first?.int("n") == 3)
        #expect(!connection.inTransaction)
    }

    @Test("a transaction whose BEGIN follows a failing check never starts")
    func transaction() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let jti = Self.marker("tx")
        let outcome = connection.withCheck(Self.failing) {
            try connection.transaction { try insert(jti, connection) }
        }
        guard case .failed = outcome else { Issue.record("the check passed"); return }
        #expect(!connection.inTransaction)
        #expect(try !exists(jti, connection))
        try connection.transaction { try insert(jti, connection) }
        #expect(try exists(jti, connection))
        try cleanUp([jti], connection)
    }

    @Test("a body without statements still gets the check, run alone after it")
    func noStatements() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        guard case .passed(let value) = connection.withCheck(Self.passing, { 5 }) else {
            Issue.record("the check failed")
            return
        }
        #expect(try value.get() == 5)
        guard case .failed = connection.withCheck(Self.failing, { 5 }) else {
            Issue.record("the failing check was not run")
            return
        }
    }

    @Test("a body's own error is its result when the check passed")
    func bodyError() throws {
        struct Refused: Error {}
        let connection = try Connection(parameters: testDatabaseParameters())
        let outcome = connection.withCheck(Self.passing) { () throws -> Int in
            _ = try connection.query("SELECT 1")
            throw Refused()
        }
        guard case .passed(let result) = outcome else { Issue.record("the check failed"); return }
        #expect(throws: Refused.self) { try result.get() }
    }

    @Test("a first statement that cannot even be prepared counts as a failed check: the rest of the body is refused")
    func unpreparable() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let jti = Self.marker("unprepared")
        var refused = 0
        let outcome = connection.withCheck(Self.passing) { () throws -> Void in
            do { try connection.query("SELEC 1") } catch { refused += 1 }
            do { try insert(jti, connection) } catch { refused += 1 }
        }
        guard case .failed = outcome else { Issue.record("the body went on unchecked"); return }
        #expect(refused == 2)
        #expect(try !exists(jti, connection))
        #expect(try connection.query("SELECT 4 AS n").first?.int("n") == 4)
    }
}
