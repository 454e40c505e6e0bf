// The libpq wrapper against the real PostgreSQL that deploy/test starts (STACKS_TEST_DATABASE_URL).
import Foundation
import Postgres
import Testing

/// The test cluster's connection keywords; deploy/test sets the URL.
func testDatabaseParameters() throws -> [String: String] {
    let url = try #require(
        ProcessInfo.processInfo.environment["STACKS_TEST_DATABASE_URL"],
        "STACKS_TEST_DATABASE_URL is not set: run the suite through deploy/test")
    return ["dbname": url, "application_name": "stacks-tests"]
}

@Suite(.serialized) struct ConnectionTests {
    @Test("binds parameters and reads NULL, integers, booleans and Unicode back")
    func roundTrip() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let title = "Gödel, Escher, Bach — ☕"
        let missing: String? = nil
        let rows = try connection.query(
            "SELECT \(title)::text AS t, \(42)::int AS n, \(missing)::text IS NULL AS isnull, true AS b, NULL::text AS z")
        let row = try #require(rows.first)
        #expect(try row.string("t") == "Gödel, Escher, Bach — ☕")
        #expect(try row.int("n") == 42)
        #expect(try row.bool("isnull"))
        #expect(try row.bool("b"))
        #expect(row["z"] == nil)
    }

    @Test("prepares a statement once per connection and runs it by name after that; unprepared SQL stays unnamed")
    func prepared() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        for value in 1...3 { #expect(try connection.query("SELECT \(value)::int + 1 AS n").first?.int("n") == value + 1) }
        _ = try connection.query("SELECT 2 AS once", prepared: false)
        let statements = try connection.query(
            "SELECT statement FROM pg_prepared_statements WHERE statement IN (\("SELECT $1::int + 1 AS n"), 'SELECT 2 AS once')",
            prepared: false)
        #expect(try statements.map { try $0.string("statement") } == ["SELECT $1::int + 1 AS n"])
    }

    @Test("prepares nothing when told not to (behind a pooler that cannot carry prepared statements)")
    func unprepared() throws {
        let connection = try Connection(parameters: testDatabaseParameters(), prepareStatements: false)
        for value in 1...3 {
            #expect(try connection.query("SELECT \(value)::int * 2 AS n").first?.int("n") == value * 2)
        }
        #expect(try connection.query("SELECT count(*) AS n FROM pg_prepared_statements").first?.int("n") == 0)
    }

    @Test("keeps working past the most prepared statements it keeps")
    func manyStatements() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        for value in 0...(Connection.maxStatements + 10) {
            // A distinct text each time, so each is a statement of its own.
            #expect(try connection.query("SELECT \(unescaped: String(value)) + \(1)::int AS n").first?.int("n") == value + 1)
        }
        let kept = try connection.query("SELECT count(*) AS n FROM pg_prepared_statements", prepared: false)
        #expect(try (1...Connection.maxStatements).contains(kept[0].int("n")))
    }

    @Test("keeps a bound parameter a value, never SQL")
    func injection() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let title = "x' OR '1'='1"
        #expect(try connection.query("SELECT count(*) AS n FROM books WHERE title = \(title)").first?.int("n") == 0)
        let tricky = "$1'); SELECT 'a \\ \"b\" $$ ;"
        #expect(try connection.query("SELECT \(tricky) AS t, \(1) AS n").first?.string("t") == tricky)
    }

    @Test("declares each parameter with its Swift value's type, prepared or not, and reads each back")
    func typedParameters() throws {
        for prepares in [true, false] {
            let connection = try Connection(parameters: testDatabaseParameters(), prepareStatements: prepares)
            let none: Int32? = nil
            let sql: SQL = """
                SELECT pg_typeof(\(Int64.max))::text AS a, pg_typeof(\("x"))::text AS b, pg_typeof(\(true))::text AS c,
                       pg_typeof(\(0.25))::text AS d, pg_typeof(\(Int32(-7)))::text AS e, pg_typeof(\(none))::text AS f,
                       \(Int64.max) AS va, \("x") AS vb, \(true) AS vc, \(0.25) AS vd, \(Int32(-7)) AS ve, \(none) AS vf
                """
            let row = try #require(try connection.query(sql).first)
            #expect(
                try ["a", "b", "c", "d", "e", "f"].map { try row.string($0) }
                    == ["bigint", "text", "boolean", "double precision", "integer", "integer"])
            #expect(try row.int64("va") == Int64.max)
            #expect(try row.string("vb") == "x")
            #expect(try row.bool("vc"))
            #expect(try row.string("vd") == "0.25")
            #expect(try row.int("ve") == -7)
            #expect(row["vf"] == nil)
        }
    }

    @Test("keeps one prepared statement per text and parameter types")
    func preparedByTypes() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        #expect(try connection.query("SELECT \(Int32(5))::text AS v").first?.string("v") == "5")
        #expect(try connection.query("SELECT \("five")::text AS v").first?.string("v") == "five")
        let kept = try connection.query(
            "SELECT parameter_types::text AS types FROM pg_prepared_statements WHERE statement = \("SELECT $1::text AS v")",
            prepared: false)
        #expect(try Set(kept.map { try $0.string("types") }) == ["{integer}", "{text}"])
    }

    @Test("runs a statement built from fragments, with its parameters renumbered")
    func fragments() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        var conditions: [SQL] = ["n >= \(3)", "n::text <> \("5")"]
        conditions.append("n % \(Int32(2)) = 1")
        let odd: SQL =
            "SELECT array_agg(n ORDER BY n)::text AS ns FROM generate_series(1, 10) AS n WHERE "
            + conditions.joined(separator: " AND ")
        #expect(try connection.query(odd).first?.string("ns") == "{3,7,9}")
        #expect(try connection.query("\(fragment: odd) AND n < \(Int64(9))", prepared: false).first?.string("ns") == "{3,7}")
    }

    @Test("reports SQLSTATE and constraint of a violation")
    func violation() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        let isbn = try #require(try connection.query("SELECT isbn FROM books ORDER BY id LIMIT 1").first?.string("isbn"))
        do {
            try connection.query(
                "INSERT INTO books (title, author, isbn, year, copies, available_copies) VALUES ('t', 'a', \(isbn), 2000, 1, 1)")
            Issue.record("duplicate accepted")
        } catch {
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.constraint == "books_isbn_key")
            #expect(!error.isUnavailable)
        }
        #expect(connection.isOpen)
        do {
            try connection.query("UPDATE books SET available_copies = copies + 1 WHERE isbn = \(isbn)")
            Issue.record("a check constraint let available_copies exceed copies")
        } catch {
            #expect(error.sqlState == .checkViolation)
            #expect(error.constraint == "books_available_within_copies")
        }
    }

    @Test("rolls a transaction back when its body throws")
    func rollback() throws {
        struct Abort: Error {}
        let connection = try Connection(parameters: testDatabaseParameters())
        let book = try #require(try connection.query("SELECT id, title FROM books ORDER BY id LIMIT 1").first)
        let id = try book.int64("id")
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.query("UPDATE books SET title = 'rolled back' WHERE id = \(id)")
                throw Abort()
            }
        }
        #expect(try connection.query("SELECT title FROM books WHERE id = \(id)").first?.string("title") == book["title"])
        let committed = try connection.transaction { try connection.query("SELECT 7 AS n").first?.int("n") }
        #expect(committed == 7)
    }

    @Test("the app role cannot change the schema")
    func noDDL() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        for statement in [
            "CREATE TABLE public.intruder (id int)", "CREATE TEMP TABLE intruder (id int)", "DROP TABLE books",
            "ALTER TABLE books ADD COLUMN x int",
            "DELETE FROM schema_migrations",
        ] {
            #expect(throws: PostgresError.self, "\(statement)") { try connection.query(SQL(unescaped: statement)) }
        }
    }

    @Test("serves the first use after the server hung up on an idle connection from a new connection")
    func reconnects() throws {
        let database = Database(parameters: try testDatabaseParameters())
        let pid = try backendPID(database.connection())
        try terminate(pid)
        // Regression: the dead connection was handed out once more, and that request got a 503.
        let newPID = try backendPID(database.connection())
        #expect(newPID != pid)
    }

    @Test("notices the hang-up without a statement, and a statement on it is a connection error")
    func hungUp() throws {
        let connection = try Connection(parameters: testDatabaseParameters())
        #expect(!connection.hungUp)
        try terminate(try backendPID(connection))
        #expect(connection.hungUp)
        do {
            _ = try connection.query("SELECT 1")
            Issue.record("the killed connection still answered")
        } catch {
            #expect(error.isUnavailable)
        }
    }

    private func backendPID(_ connection: Connection) throws -> Int {
        try #require(try connection.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
    }

    /// Ends a backend from another session and waits until it is gone (its last message sent).
    private func terminate(_ pid: Int) throws {
        let killer = try Connection(parameters: testDatabaseParameters())
        try killer.query("SELECT pg_terminate_backend(\(pid)::int, 5000)")
    }

    @Test("fails to connect with a connection error, not a crash")
    func unreachable() {
        do {
            _ = try Connection(parameters: ["host": "/nonexistent", "dbname": "x", "connect_timeout": "1"])
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .connection)
            #expect(error.isUnavailable)
        }
    }
}
