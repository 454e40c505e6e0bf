// SQL values without a database: what text and which parameters an interpolation makes.
import Postgres
import Testing

@Suite struct SQLTests {
    @Test("numbers interpolated values $1, $2, … in order and binds them with their types")
    func numbering() {
        let id: Int64 = 42
        let email = "reader@example.org"
        let sql: SQL = "SELECT name FROM members WHERE id = \(id) AND email = \(email) LIMIT \(1)"
        #expect(sql.text == "SELECT name FROM members WHERE id = $1 AND email = $2 LIMIT $3")
        #expect(sql.binds.map(\.value) == ["42", "reader@example.org", "1"])
        #expect(sql.binds.map(\.type) == [.int8, .text, .int8])
    }

    @Test("has one text for one statement shape, whatever the values")
    func deterministic() {
        func lookup(_ id: Int, _ name: String) -> SQL { "SELECT 1 FROM t WHERE id = \(id) AND name = \(name)" }
        #expect(lookup(1, "a").text == lookup(2, "b").text)
        #expect(lookup(1, "a") != lookup(2, "b"))
    }

    @Test("binds a nil optional as NULL of the wrapped type")
    func nulls() {
        let before: Int64? = nil
        let label: String? = nil
        let year: Int? = 1990
        let sql: SQL = "SELECT \(before), \(label), \(year)"
        #expect(sql.text == "SELECT $1, $2, $3")
        #expect(sql.binds.map(\.value) == [nil, nil, "1990"])
        #expect(sql.binds.map(\.type) == [.int8, .text, .int8])
    }

    @Test("binds a string with quotes, $1 and a semicolon as one value, never as SQL")
    func valuesAreNeverText() {
        let title = "x' OR '1'='1'; DROP TABLE books; -- $1"
        let sql: SQL = "SELECT id FROM books WHERE title = \(title)"
        #expect(sql.text == "SELECT id FROM books WHERE title = $1")
        #expect(sql.binds.map(\.value) == [title])
    }

    @Test("appends a fragment with its parameters renumbered after the ones before it")
    func fragments() {
        let year = 1990
        let condition: SQL = "year >= \(year) AND author = \("Le Guin")"
        let sql: SQL = "SELECT id FROM books WHERE id > \(Int64(7)) AND \(fragment: condition) LIMIT \(20)"
        #expect(sql.text == "SELECT id FROM books WHERE id > $1 AND year >= $2 AND author = $3 LIMIT $4")
        #expect(sql.binds.map(\.value) == ["7", "1990", "Le Guin", "20"])
        #expect(condition.text == "year >= $1 AND author = $2", "the fragment itself is unchanged")
    }

    @Test("builds a statement step by step with +, += and joined(separator:)")
    func combining() {
        let conditions: [SQL] = ["a = \(1)", "true", "b = \("x")", "c < \(2.5)"]
        var sql: SQL = "SELECT * FROM t WHERE " + conditions.joined(separator: " AND ")
        sql += " ORDER BY \(unescaped: "a DESC") LIMIT \(Int32(5))"
        #expect(sql.text == "SELECT * FROM t WHERE a = $1 AND true AND b = $2 AND c < $3 ORDER BY a DESC LIMIT $4")
        #expect(sql.binds.map(\.value) == ["1", "x", "2.5", "5"])
        #expect(sql.binds.map(\.type) == [.int8, .text, .float8, .int4])
        #expect(([] as [SQL]).joined(separator: ", ").text == "")
    }

    @Test("takes unescaped text as it is, with no parameter")
    func unescaped() {
        let name = "s2"
        let sql: SQL = "ROLLBACK TO SAVEPOINT \(unescaped: name)"
        #expect(sql.text == "ROLLBACK TO SAVEPOINT s2")
        #expect(sql.binds.isEmpty)
        #expect(SQL(unescaped: "SELECT 1") == "SELECT 1")
    }

    @Test("declares each Swift type as its PostgreSQL type OID")
    func oids() {
        #expect(SQLType.bool.oid == 16)
        #expect(SQLType.int8.oid == 20)
        #expect(SQLType.int4.oid == 23)
        #expect(SQLType.text.oid == 25)
        #expect(SQLType.float8.oid == 701)
        #expect(Int.sqlType == .int8 && Int64.sqlType == .int8 && Int32.sqlType == .int4)
        #expect(String.sqlType == .text && Bool.sqlType == .bool && Double.sqlType == .float8)
        #expect(Int32?.sqlType == .int4 && String?.sqlType == .text)
    }

    @Test("writes values in PostgreSQL's text format")
    func textFormat() {
        #expect(true.sqlText == "true" && false.sqlText == "false")
        #expect(Int64.min.sqlText == "-9223372036854775808")
        #expect(Int32.max.sqlText == "2147483647")
        #expect(0.1.sqlText == "0.1" && 1e-5.sqlText == "1e-05")
        #expect(Double.infinity.sqlText == "Infinity" && (-Double.infinity).sqlText == "-Infinity")
        #expect(Double.nan.sqlText == "NaN")
        #expect((nil as Bool?).sqlText == nil)
    }
}
