// One libpq connection: connect, run statements with $n parameters (text format), and
// transactions. The PGconn has exactly one owner and is finished in deinit. A statement is
// prepared (parsed once, named) on its first use on this connection and executed by name after
// that; a new connection (after a reconnect) starts with none.
import CLibPQ
import Glibc

/// A synchronous PostgreSQL connection.
public final class Connection {
    private let handle: OpaquePointer
    private var transactionDepth = 0
    /// This connection's prepared statements: SQL text → statement name.
    private var statements: [String: String] = [:]
    private var statementsMade = 0

    /// The most prepared statements kept at once; past it they are all deallocated and made again.
    public static let maxStatements = 200

    /// Whether statements are prepared and kept (false behind a pooler that cannot carry them).
    private let preparesStatements: Bool

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
    public var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with text parameters (`nil` is SQL NULL) and returns its rows. The
    /// statement is prepared on first use; `prepared: false` plans it for these values every time
    /// (for SQL put together per request, and where the best plan depends on the values).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], prepared: Bool = true) throws(PostgresError) -> [Row] {
        guard prepared && preparesStatements else {
            let result = Self.withOptionalCStrings(parameters) { values in
                PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
            defer { PQclear(result) }
            return try rows(of: result)
        }
        let name = try statement(sql, parameterCount: parameters.count)
        let result = Self.withOptionalCStrings(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        defer { PQclear(result) }
        do {
            return try rows(of: result)
        } catch {
            // A schema change under a prepared SELECT ("cached plan must not change result type"):
            // forget it, so the next use prepares it again.
            if error.sqlState == .featureNotSupported { statements[sql] = nil }
            throw error
        }
    }

    /// The name of the prepared statement for `sql`, preparing it now if this connection has not.
    private func statement(_ sql: String, parameterCount: Int) throws(PostgresError) -> String {
        if let name = statements[sql] { return name }
        if statements.count >= Self.maxStatements {
            let cleared = PQexec(handle, "DEALLOCATE ALL")
            defer { PQclear(cleared) }
            _ = try rows(of: cleared)
            statements.removeAll()
        }
        statementsMade += 1
        let name = "s\(statementsMade)"
        let result = PQprepare(handle, name, sql, Int32(parameterCount), nil)
        defer { PQclear(result) }
        _ = try rows(of: result)
        statements[sql] = name
        return name
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Inside another transaction it is a savepoint, so only its own work is undone.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let savepoint = transactionDepth > 0 ? "s\(transactionDepth)" : nil
        try query(savepoint.map { "SAVEPOINT \($0)" } ?? "BEGIN")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let value = try body()
            try query(savepoint.map { "RELEASE SAVEPOINT \($0)" } ?? "COMMIT")
            return value
        } catch {
            if isOpen { _ = try? query(savepoint.map { "ROLLBACK TO SAVEPOINT \($0)" } ?? "ROLLBACK") }
            throw error
        }
    }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { transactionDepth > 0 }

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

    /// Hands C copies of the strings to `body`; they live only for the call.
    private static func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        return body(copies.map { UnsafePointer($0) })
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
