// The values a SQL interpolation can bind: each gives its text form (libpq's text format) and
// the PostgreSQL type its parameter is declared as, so a prepared statement's parameters are typed
// by the Swift values rather than guessed from the SQL around them.

/// A PostgreSQL type, by its OID in `pg_type`.
public struct SQLType: Sendable, Hashable, CustomStringConvertible {
    /// The type's OID.
    public let oid: UInt32

    /// Wraps a type OID.
    public init(oid: UInt32) { self.oid = oid }

    /// The OID, for logs.
    public var description: String { String(oid) }

    /// `boolean`.
    public static let bool = SQLType(oid: 16)
    /// `bigint`.
    public static let int8 = SQLType(oid: 20)
    /// `integer`.
    public static let int4 = SQLType(oid: 23)
    /// `text`.
    public static let text = SQLType(oid: 25)
    /// `double precision`.
    public static let float8 = SQLType(oid: 701)
}

/// A value that can be bound to a statement parameter.
public protocol SQLBindable {
    /// The type of the parameter this value is bound to.
    static var sqlType: SQLType { get }
    /// The value in PostgreSQL's text format; nil binds SQL NULL.
    var sqlText: String? { get }
}

extension String: SQLBindable {
    /// `text`.
    public static let sqlType = SQLType.text
    /// The string itself.
    public var sqlText: String? { self }
}

extension Int: SQLBindable {
    /// `bigint` (Int is 64 bits wide on every platform Stacks runs on).
    public static let sqlType = SQLType.int8
    /// The decimal digits.
    public var sqlText: String? { String(self) }
}

extension Int64: SQLBindable {
    /// `bigint`.
    public static let sqlType = SQLType.int8
    /// The decimal digits.
    public var sqlText: String? { String(self) }
}

extension Int32: SQLBindable {
    /// `integer`.
    public static let sqlType = SQLType.int4
    /// The decimal digits.
    public var sqlText: String? { String(self) }
}

extension Bool: SQLBindable {
    /// `boolean`.
    public static let sqlType = SQLType.bool
    /// `true` or `false`.
    public var sqlText: String? { self ? "true" : "false" }
}

extension Double: SQLBindable {
    /// `double precision`.
    public static let sqlType = SQLType.float8
    /// The shortest text that reads back as the same number; `NaN`, `Infinity`, `-Infinity` as PostgreSQL spells them.
    public var sqlText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return description
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    /// The wrapped type's: a NULL keeps the type its value would have had.
    public static var sqlType: SQLType { Wrapped.sqlType }
    /// The wrapped value's text, nil for `none` (SQL NULL).
    public var sqlText: String? { self.flatMap { $0.sqlText } }
}
