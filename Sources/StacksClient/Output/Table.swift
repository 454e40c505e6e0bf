// Aligned text tables for people: each column as wide as its widest cell, two spaces between
// columns, and when the whole is wider than the terminal the flexible columns (titles, authors,
// messages) give up width, widest first, their cells cut with "…". Pure, so it is unit-tested.
import Foundation

/// A column of a table.
public struct Column: Sendable, Equatable {
    /// The heading.
    public let title: String
    /// Whether it may be narrowed (its cells cut) to fit the width.
    public let flexible: Bool
    /// Whether its cells are aligned to the right (numbers).
    public let alignRight: Bool

    /// Declares a column.
    public init(_ title: String, flexible: Bool = false, alignRight: Bool = false) {
        self.title = title
        self.flexible = flexible
        self.alignRight = alignRight
    }
}

/// A table: headings and rows of cells, laid out for a width.
public struct Table: Sendable, Equatable {
    /// The columns.
    public let columns: [Column]
    /// The rows, one cell per column.
    public let rows: [[String]]

    /// A flexible column never gets narrower than this (or its heading).
    public static let minimumFlexibleWidth = 8

    /// Makes a table.
    public init(columns: [Column], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Each column's width once the table fits in `width` characters, as far as the fixed columns allow.
    public func widths(fitting width: Int) -> [Int] {
        var widths = columns.indices.map { index in
            rows.reduce(columns[index].title.count) { max($0, Self.clean($1[index]).count) }
        }
        let gaps = 2 * max(columns.count - 1, 0)
        var excess = widths.reduce(gaps, +) - width
        while excess > 0 {
            let candidates = columns.indices.filter {
                columns[$0].flexible && widths[$0] > max(Self.minimumFlexibleWidth, columns[$0].title.count)
            }
            guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { break }
            let others = candidates.filter { $0 != widest }.map { widths[$0] }.max() ?? 0
            let floor = max(Self.minimumFlexibleWidth, columns[widest].title.count, others)
            let cut = min(excess, max(widths[widest] - floor, 1))
            widths[widest] -= cut
            excess -= cut
        }
        return widths
    }

    /// The table as lines of text at most `width` characters wide (when the fixed columns fit).
    public func render(width: Int) -> String {
        let widths = widths(fitting: width)
        var lines = [line(columns.map(\.title), widths)]
        lines.append(contentsOf: rows.map { line($0, widths) })
        return lines.joined(separator: "\n")
    }

    private func line(_ cells: [String], _ widths: [Int]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            let fitted = Self.fit(Self.clean(cell), widths[index])
            let pad = String(repeating: " ", count: widths[index] - fitted.count)
            let last = index == cells.count - 1
            if index > 0 { text += "  " }
            text += columns[index].alignRight ? pad + fitted : fitted + (last ? "" : pad)
        }
        return text
    }

    /// A cell on one line: newlines and tabs become spaces.
    static func clean(_ cell: String) -> String {
        String(cell.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    /// `text` cut to `width` characters, its end marked with "…".
    static func fit(_ text: String, _ width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + "…"
    }
}

/// A record shown as two columns, field and value.
public struct FieldList: Sendable, Equatable {
    /// The fields, in order.
    public let fields: [(name: String, value: String)]

    /// Makes a field list.
    public init(_ fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    /// The fields as lines `name  value`, values cut to fit `width`.
    public func render(width: Int) -> String {
        let nameWidth = fields.map(\.name.count).max() ?? 0
        return fields.map { field in
            let value = Table.fit(Table.clean(field.value), max(width - nameWidth - 2, Table.minimumFlexibleWidth))
            return field.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + value
        }.joined(separator: "\n")
    }

    /// Whether two field lists hold the same fields.
    public static func == (left: FieldList, right: FieldList) -> Bool {
        left.fields.map(\.name) == right.fields.map(\.name) && left.fields.map(\.value) == right.fields.map(\.value)
    }
}
