// One libpq connection: connect, run SQL values (text plus typed parameters, sent in text format),
// and transactions. The PGconn has exactly one owner and is finished in deinit. A statement is
// prepared (parsed once, named) on its first use on this connection and executed by name after
// that; a new connection (after a reconnect) starts with none.
import CLibPQ
import Glibc

/// A synchronous PostgreSQL connection.
public final class Connection {
    private let handle: OpaquePointer
    private var transactionDepth = 0
    /// This connection's prepared statements: SQL text and parameter types → statement name.
    private var statements: [StatementKey: String] = [:]
    private var statementsMade = 0

    /// The most prepared statements kept at once; past it they are all deallocated and made again.
    public static let maxStatements = 200

    /// Whether statements are prepared and kept (false behind a pooler that cannot carry them).
    private let preparesStatements: Bool

    /// Inside `withCheck`: the check not yet sent, and the error it failed with (after which every
    /// statement of the body is refused). Both are cleared when `withCheck` returns.
    private var pendingCheck: SQL?
    private var checkFailure: PostgresError?
    /// Set when a pipeline could not be completed (half of it queued, or pipeline mode not left):
    /// the connection is then not used again, and the next request opens a new one.
    private var abandoned = false

    /// Connects with libpq keywords (e.g. `dbname` may be a URL); libpq's PG* environment fills the
    /// rest. With `prepareStatements` false every statement is planned anew (`PQexecParams`).
    public init(parameters: [String: String], prepareStatements: Bool = true) throws(PostgresError) {
        preparesStatements = prepareStatements
        // dbname first: with expand_dbname, the keywords after it override what its URL sets.
        let keys = parameters.keys.sorted { $0 == "dbname" || ($1 != "dbname" && $0 < $1) }
        let handle = Self.withCStrings(keys) { keyPointers in
            Self.withCStrings(keys.map { parameters[$0]! }) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let handle else { throw PostgresError(.connection, message: "out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(.connection, message: message.trimmingTrailingNewlines)
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable.
    public var isOpen: Bool { !abandoned && PQstatus(handle) == CONNECTION_OK }

    /// Whether the server has hung up on this connection while it sat idle (a restart, a
    /// terminated backend): its socket then holds the server's last message and the end of the
    /// stream. A poll without waiting; what an idle connection may receive and keep working
    /// after (a notice, a parameter's new value) is read and leaves it open. Not asked inside a
    /// transaction, whose failure the statement itself reports.
    public var hungUp: Bool {
        guard isOpen else { return true }
        guard !inTransaction else { return false }
        var entry = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        // The message and the end may arrive as two reads: read until the socket is quiet.
        for _ in 0..<4 {
            guard poll(&entry, 1, 0) > 0 else { break }
            guard PQconsumeInput(handle) == 1 else { return true }
        }
        return PQstatus(handle) != CONNECTION_OK
    }

    /// Runs one statement with its bound parameters (sent in text format, typed by their Swift
    /// values) and returns its rows. The statement is prepared on first use; `prepared: false`
    /// plans it for these values every time (for SQL put together per request, and where the best
    /// plan depends on the values).
    @discardableResult
    public func query(_ sql: SQL, prepared: Bool = true) throws(PostgresError) -> [Row] {
        if let checkFailure { throw checkFailure }
        if let check = pendingCheck {
            pendingCheck = nil
            var checkPassed = false
            do {
                return try pipelined(check, then: sql, prepared: prepared, checkPassed: &checkPassed)
            } catch {
                // Whatever kept the check from passing (a failed prepare, a dropped connection, the
                // check itself) counts as its failure: nothing more of the body runs.
                if !checkPassed && checkFailure == nil { checkFailure = error }
                throw error
            }
        }
        let statement = try self.statement(for: sql, prepared: prepared)
        let result = statement.withValues { values in
            if let name = statement.name {
                PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
            } else {
                PQexecParams(handle, statement.text, Int32(values.count), statement.types, values, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        return try rows(of: result, from: statement)
    }

    /// What `body` did when run behind a check.
    public enum Checked<Value> {
        /// The check passed; `body` returned or threw this.
        case passed(Result<Value, any Error>)
        /// The check failed with this error; whatever `body` sent after it was not run.
        case failed(PostgresError)
    }

    /// Runs `body` with `check` sent ahead of its first statement, in the same round trip (libpq
    /// pipeline mode, one Sync after both). The two run as one implicit transaction: when the check
    /// fails (it must raise an error, not return false), the statement after it is skipped, nothing
    /// of it commits, and every later statement of `body` is refused with the check's error. When
    /// `body` sends no statement the check runs alone after it. Nothing of the check outlives the call.
    public func withCheck<Value>(_ check: SQL, _ body: () throws -> Value) -> Checked<Value> {
        pendingCheck = check
        checkFailure = nil
        defer {
            pendingCheck = nil
            checkFailure = nil
        }
        let result = Result<Value, any Error> { try body() }
        if let checkFailure { return .failed(checkFailure) }
        if let unsent = pendingCheck {
            pendingCheck = nil
            do {
                try query(unsent)
            } catch {
                return .failed(error)
            }
        }
        return .passed(result)
    }

    /// A statement ready to send: its name when prepared, else its text and parameter types.
    private struct Statement {
        let name: String?
        let text: String
        let types: [Oid]
        let values: [String?]
        let key: StatementKey?

        func withValues<R>(_ body: ([UnsafePointer<CChar>?]) -> R) -> R {
            Connection.withOptionalCStrings(values, body)
        }
    }

    /// Prepares `sql` on this connection if it is to be prepared and is not yet.
    private func statement(for sql: SQL, prepared: Bool) throws(PostgresError) -> Statement {
        let text = sql.text
        let types = sql.binds.map { $0.type.oid }
        let values = sql.binds.map { $0.value }
        guard prepared && preparesStatements else {
            return Statement(name: nil, text: text, types: types, values: values, key: nil)
        }
        let key = StatementKey(text: text, types: types)
        return Statement(name: try statement(key), text: text, types: types, values: values, key: key)
    }

    /// Sends `check` and `sql` in one pipeline and returns the rows of `sql`; if `check` fails,
    /// records and throws its error (and `sql` did not run).
    private func pipelined(
        _ check: SQL, then sql: SQL, prepared: Bool, checkPassed: inout Bool
    ) throws(PostgresError) -> [Row] {
        // Preparing is a round trip of its own, done before the pipeline (once per connection); room
        // is made for both first, so preparing the second cannot deallocate the first.
        if statements.count + 2 > Self.maxStatements { try deallocateAll() }
        let first = try statement(for: check, prepared: true)
        let second = try statement(for: sql, prepared: prepared)
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError() }
        guard send(first), send(second), PQpipelineSync(handle) == 1 else {
            // Part of a pipeline is queued without its Sync: reading would wait for ever.
            abandoned = true
            throw connectionError()
        }
        // Every result is read, up to the sync point, before the pipeline may end.
        let checkResult = nextResult()
        let sqlResult = nextResult()
        defer {
            PQclear(checkResult)
            PQclear(sqlResult)
        }
        while PQexitPipelineMode(handle) != 1 {
            guard let extra = PQgetResult(handle) else {
                abandoned = true
                break
            }
            PQclear(extra)
        }
        _ = try rows(of: checkResult, from: first)
        checkPassed = true
        return try rows(of: sqlResult, from: second)
    }

    /// Queues one statement of a pipeline.
    private func send(_ statement: Statement) -> Bool {
        statement.withValues { values in
            if let name = statement.name {
                PQsendQueryPrepared(handle, name, Int32(values.count), values, nil, nil, 0) == 1
            } else {
                PQsendQueryParams(handle, statement.text, Int32(values.count), statement.types, values, nil, nil, 0) == 1
            }
        }
    }

    /// The result of the next statement of a pipeline, and the nil that ends its results read.
    private func nextResult() -> OpaquePointer? {
        let result = PQgetResult(handle)
        if result != nil {
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        return result
    }

    private func connectionError() -> PostgresError {
        PostgresError(.connection, message: String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines)
    }

    /// What a prepared statement is kept by: its text and its parameters' types.
    private struct StatementKey: Hashable {
        let text: String
        let types: [Oid]
    }

    /// Forgets every prepared statement of this connection.
    private func deallocateAll() throws(PostgresError) {
        let cleared = PQexec(handle, "DEALLOCATE ALL")
        defer { PQclear(cleared) }
        _ = try rows(of: cleared)
        statements.removeAll()
    }

    /// The name of the prepared statement for `key`, preparing it now if this connection has not.
    private func statement(_ key: StatementKey) throws(PostgresError) -> String {
        if let name = statements[key] { return name }
        if statements.count >= Self.maxStatements { try deallocateAll() }
        statementsMade += 1
        let name = "s\(statementsMade)"
        let result = PQprepare(handle, name, key.text, Int32(key.types.count), key.types)
        defer { PQclear(result) }
        _ = try rows(of: result)
        statements[key] = name
        return name
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Inside another transaction it is a savepoint, so only its own work is undone.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let savepoint = transactionDepth > 0 ? "s\(transactionDepth)" : nil
        try query(savepoint.map { "SAVEPOINT \(unescaped: $0)" } ?? "BEGIN")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let value = try body()
            try query(savepoint.map { "RELEASE SAVEPOINT \(unescaped: $0)" } ?? "COMMIT")
            return value
        } catch {
            if isOpen { _ = try? query(savepoint.map { "ROLLBACK TO SAVEPOINT \(unescaped: $0)" } ?? "ROLLBACK") }
            throw error
        }
    }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { transactionDepth > 0 }

    /// The rows of a statement's result; a prepared SELECT whose plan no longer fits the schema
    /// ("cached plan must not change result type") is forgotten, so its next use prepares it again.
    private func rows(of result: OpaquePointer?, from statement: Statement) throws(PostgresError) -> [Row] {
        do {
            return try rows(of: result)
        } catch {
            if error.sqlState == .featureNotSupported, let key = statement.key { statements[key] = nil }
            throw error
        }
    }

    private func rows(of result: OpaquePointer?) throws(PostgresError) -> [Row] {
        guard let result else {
            throw PostgresError(.connection, message: String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines)
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            break
        default:
            throw error(from: result)
        }
        let columnCount = Int(PQnfields(result))
        var columns: [String: Int] = [:]
        for index in 0..<columnCount { columns[String(cString: PQfname(result, Int32(index)))] = index }
        return (0..<PQntuples(result)).map { row in
            Row(
                columns: columns,
                values: (0..<Int32(columnCount)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
        }
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let message = field(CLibPQ_DiagMessagePrimary) ?? String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
        guard let state = field(CLibPQ_DiagSQLState), PQstatus(handle) == CONNECTION_OK else {
            return PostgresError(.connection, message: message)
        }
        return PostgresError(.server(SQLState(state)), message: message, constraint: field(CLibPQ_DiagConstraintName))
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        withOptionalCStrings(strings) { pointers in body(pointers + [nil]) }
    }

    /// Hands C strings with the strings' UTF-8 (NULL for nil) to `body`; they live only for the
    /// call, in one buffer.
    fileprivate static func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var bytes: [CChar] = []
        var starts: [Int?] = []
        for string in strings {
            guard let string else {
                starts.append(nil)
                continue
            }
            starts.append(bytes.count)
            bytes.append(contentsOf: string.utf8.lazy.map { CChar(bitPattern: $0) })
            bytes.append(0)
        }
        return bytes.withUnsafeBufferPointer { buffer in
            body(starts.map { start in start.map { buffer.baseAddress! + $0 } })
        }
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
