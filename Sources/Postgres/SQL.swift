// A statement and its parameters in one value, written as a string interpolation: every
// interpolated value becomes a bound parameter `$n`, numbered in order, never statement text.
// Trusted text enters only through `\(unescaped:)`, and other SQL values through `\(fragment:)`.

/// A SQL statement with the values bound to its `$1`, `$2`, … parameters.
///
/// `"SELECT name FROM members WHERE id = \(id) AND email = \(email)"` is the text
/// `SELECT name FROM members WHERE id = $1 AND email = $2` with `id` and `email` bound, each typed
/// by its `SQLBindable` conformance. The text depends only on the literal parts and the number of
/// values, so one statement shape always has one text (and one prepared statement).
public struct SQL: Sendable, Equatable {
    /// The literal text between parameters: one more piece than there are binds.
    private var pieces: [String]
    /// The values bound to `$1`, `$2`, …, in order.
    public private(set) var binds: [Bind]

    /// One bound parameter: its text form and its declared type.
    public struct Bind: Sendable, Hashable {
        /// The value in PostgreSQL's text format; nil is SQL NULL.
        public let value: String?
        /// The type the parameter is declared as when the statement is prepared.
        public let type: SQLType

        /// Makes the parameter of a value.
        public init<Value: SQLBindable>(_ value: Value) {
            self.value = value.sqlText
            type = Value.sqlType
        }
    }

    /// Trusted SQL text without parameters, used as it is; it must not contain `$n` itself.
    public init(unescaped text: String) {
        pieces = [text]
        binds = []
    }

    /// The statement text, with `$n` where each parameter goes.
    public var text: String {
        var text = pieces[0]
        for (index, piece) in pieces.dropFirst().enumerated() {
            text += "$\(index + 1)"
            text += piece
        }
        return text
    }

    fileprivate mutating func append(unescaped text: String) {
        pieces[pieces.count - 1] += text
    }

    fileprivate mutating func append(bind value: some SQLBindable) {
        binds.append(Bind(value))
        pieces.append("")
    }

    /// Appends another statement's text and parameters, its `$n` numbered after this one's.
    public mutating func append(_ other: SQL) {
        pieces[pieces.count - 1] += other.pieces[0]
        pieces += other.pieces.dropFirst()
        binds += other.binds
    }

    /// The two statements' text one after the other, the right one's parameters numbered after the left's.
    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var sql = lhs
        sql.append(rhs)
        return sql
    }

    /// Appends `rhs`, its parameters numbered after those of `lhs`.
    public static func += (lhs: inout SQL, rhs: SQL) {
        lhs.append(rhs)
    }
}

extension SQL: ExpressibleByStringInterpolation {
    /// A statement without parameters.
    public init(stringLiteral value: String) {
        self.init(unescaped: value)
    }

    /// A statement from an interpolation: literal parts are text, interpolated values parameters.
    public init(stringInterpolation: StringInterpolation) {
        self = stringInterpolation.sql
    }

    /// Builds a `SQL` from a string interpolation.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = SQL(unescaped: "")

        /// Starts an empty statement.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.pieces.reserveCapacity(interpolationCount + 1)
            sql.binds.reserveCapacity(interpolationCount)
        }

        /// Appends a literal part of the statement.
        public mutating func appendLiteral(_ literal: String) {
            sql.append(unescaped: literal)
        }

        /// Binds a value as the next parameter: `\(id)` is `$n`, never text.
        public mutating func appendInterpolation(_ value: some SQLBindable) {
            sql.append(bind: value)
        }

        /// Binds an optional value as the next parameter, NULL when it is nil.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            sql.append(bind: value)
        }

        /// Appends trusted text as it is (an allow-listed column name, a savepoint name); never a value.
        public mutating func appendInterpolation(unescaped text: String) {
            sql.append(unescaped: text)
        }

        /// Appends another statement (a condition, a column list), its parameters renumbered after those before it.
        public mutating func appendInterpolation(fragment: SQL) {
            sql.append(fragment)
        }
    }
}

extension Sequence where Element == SQL {
    /// The statements one after the other with `separator` between them, parameters numbered in order.
    public func joined(separator: SQL) -> SQL {
        var sql = SQL(unescaped: "")
        for (index, element) in enumerated() {
            if index > 0 { sql.append(separator) }
            sql.append(element)
        }
        return sql
    }
}
