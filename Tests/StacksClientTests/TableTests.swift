// Table layout: columns as wide as their cells, two spaces apart, flexible columns cut with "…"
// (widest first, never below their floor) to fit the terminal, numbers to the right.
import Testing

@testable import StacksClient

@Suite struct TableTests {
    let table = Table(
        columns: [
            Column("ID", alignRight: true), Column("TITLE", flexible: true), Column("AUTHOR", flexible: true), Column("YEAR"),
        ],
        rows: [
            ["1", "Design Patterns: Elements of Reusable Object-Oriented Software", "Erich Gamma", "1994"],
            ["12", "Refactoring", "Martin Fowler", "1999"],
        ])

    @Test("lays a table out at its natural width when it fits")
    func natural() {
        #expect(
            table.render(width: 200) == """
                ID  TITLE                                                           AUTHOR         YEAR
                 1  Design Patterns: Elements of Reusable Object-Oriented Software  Erich Gamma    1994
                12  Refactoring                                                     Martin Fowler  1999
                """)
    }

    @Test("cuts the widest flexible column first, with an ellipsis, to fit the width exactly")
    func narrow() {
        let lines = table.render(width: 50).split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 50 })
        #expect(lines.contains { $0.count == 50 })
        #expect(lines[1] == " 1  Design Patterns: Element…  Erich Gamma    1994")
        #expect(table.widths(fitting: 50) == [2, 25, 13, 4])
    }

    @Test("narrows flexible columns no further than their floor, so a very small width overflows")
    func floor() {
        let widths = table.widths(fitting: 10)
        #expect(widths == [2, Table.minimumFlexibleWidth, Table.minimumFlexibleWidth, 4])
    }

    @Test("keeps every cell on one line")
    func newlines() {
        let text = Table(columns: [Column("A"), Column("B")], rows: [["x\ny", "z\tw"]]).render(width: 80)
        #expect(text == "A    B\nx y  z w")
    }

    @Test("lists fields with their names aligned and long values cut")
    func fieldList() {
        let fields = FieldList([("id", "7"), ("title", String(repeating: "a", count: 40))])
        #expect(fields.render(width: 20) == "id     7\ntitle  aaaaaaaaaaaa…")
    }

    @Test("takes the width from COLUMNS when it is a sensible number, else 80")
    func width() {
        #expect(Terminal.width(columns: "120") == 120)
        #expect(Terminal.width(columns: " 60 ") == 60)
        for columns in [nil, "", "wide", "5", "100000"] { #expect(Terminal.width(columns: columns) == 80) }
    }
}
