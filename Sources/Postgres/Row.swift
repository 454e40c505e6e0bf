// Rows of a result, read by column name as text (libpq's text format) and converted on
// access; a missing column or bad value is a programming error reported as a PostgresError.

/// One row of a query result.
public struct Row: Sendable {
    let columns: [String: Int]
    let values: [String?]

    /// The raw text of a column, nil for SQL NULL.
    public subscript(column: String) -> String? {
        guard let index = columns[column] else { return nil }
        return values[index]
    }

    /// A non-null text column.
    public func string(_ column: String) throws(PostgresError) -> String {
        guard let value = self[column] else { throw missing(column) }
        return value
    }

    /// A non-null integer column.
    public func int(_ column: String) throws(PostgresError) -> Int {
        guard let text = self[column], let value = Int(text) else { throw missing(column) }
        return value
    }

    /// A non-null bigint column.
    public func int64(_ column: String) throws(PostgresError) -> Int64 {
        guard let text = self[column], let value = Int64(text) else { throw missing(column) }
        return value
    }

    /// A nullable integer column.
    public func optionalInt(_ column: String) -> Int? {
        self[column].flatMap { Int($0) }
    }

    /// A non-null boolean column.
    public func bool(_ column: String) throws(PostgresError) -> Bool {
        switch self[column] {
        case "t": return true
        case "f": return false
        default: throw missing(column)
        }
    }

    private func missing(_ column: String) -> PostgresError {
        PostgresError(.server(SQLState("XX000")), message: "column \(column) is missing, null or not of the expected type")
    }
}
