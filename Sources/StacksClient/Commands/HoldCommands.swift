// Holds: `stacks hold ID` (a place in the book's queue), `stacks holds` (with each waiting hold's
// position), `stacks cancel-hold HOLD`.
import Foundation
import StacksWire

/// The hold commands.
enum HoldCommands {
    /// `stacks hold ID`.
    static let hold = Command(CommandSpec("hold", "ID", positionals: 1...1, "Place a hold on a book (a place in its queue).")) {
        (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a book id")
        let hold = try await context.data(APICall("POST", "/api/books/\(id)/holds", body: Data("{}".utf8)))
        context.show(hold) { "Hold \($0.text("id")) on “\($0.text("book_title"))”: \(standing($0))." }
    }

    /// `stacks holds`.
    static let holds = Command(
        CommandSpec(
            "holds",
            options: [.valued("--status", "STATUS", "waiting, awaiting_pickup, fulfilled, cancelled or expired")]
                + Context.listOptions, "List your holds, newest first.")
    ) { (context: inout Context) throws(ClientError) in
        try await context.list(
            Listing(path: "/api/holds", query: context.filters(["--status": "status"]), noun: "holds", columns: columns) { hold in
                [
                    hold.text("id"), hold.text("book_id"), hold.text("book_title"), hold.text("status"), position(hold),
                    hold.time("pickup_expires_at"),
                ]
            })
    }

    /// `stacks cancel-hold HOLD`.
    static let cancel = Command(CommandSpec("cancel-hold", "HOLD", positionals: 1...1, "Cancel a hold.")) {
        (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a hold id")
        let hold = try await context.data(APICall("DELETE", "/api/holds/\(id)"))
        context.show(hold) { "Cancelled hold \($0.text("id")) on “\($0.text("book_title"))”." }
    }

    /// The columns of a hold list.
    static let columns = [
        Column("HOLD", alignRight: true), Column("BOOK", alignRight: true), Column("TITLE", flexible: true), Column("STATUS"),
        Column("POSITION"), Column("PICKUP BY"),
    ]

    /// "2 of 3" in the queue, or "-" when not waiting.
    static func position(_ hold: JSONValue) -> String {
        hold.integer("position").map { "\($0) of \(hold.text("queue_length"))" } ?? "-"
    }

    /// Where a hold stands, in words.
    static func standing(_ hold: JSONValue) -> String {
        switch hold.string("status") {
        case "waiting": "waiting, \(position(hold)) in the queue"
        case "awaiting_pickup": "copy \(hold.text("barcode")) waits for you until \(hold.time("pickup_expires_at"))"
        default: hold.text("status")
        }
    }
}
