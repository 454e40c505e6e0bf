// Timestamps as the API writes them, formatted by PostgreSQL in the statement that reads them.
import Postgres

/// SQL fragments for timestamps in the API's format.
enum SQLTime {
    /// `column` as ISO 8601 UTC text with seconds, e.g. `2026-11-23T14:05:00Z`.
    static func iso(_ column: String) -> SQL {
        "to_char(\(unescaped: column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }
}
