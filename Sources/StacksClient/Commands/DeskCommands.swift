// The circulation desk, for librarians: `stacks desk checkout BARCODE EMAIL` lends a copy to a
// member, `stacks desk checkin BARCODE` takes it back from whoever had it.
import Foundation
import StacksWire

/// The desk commands.
enum DeskCommands {
    /// `stacks desk checkout BARCODE EMAIL`.
    static let checkout = Command(
        CommandSpec(
            "desk checkout", "BARCODE EMAIL", positionals: 2...2,
            options: [.valued("--days", "N", "the loan period, 1-30 days (else the member's default)")],
            "Lend the copy with this barcode to the member with this email (librarians).")
    ) { (context: inout Context) throws(ClientError) in
        let words = context.invocation.positionals
        let body = DeskCheckoutBody(
            barcode: words[0], memberEmail: words[1], days: try context.invocation.integer("--days", in: 1...30))
        let loan = try await context.data(.send("POST", "/api/desk/checkout", body))
        context.show(loan) {
            "Lent copy \($0.text("barcode")) of “\($0.text("book_title"))” to \($0.text("borrower_email")) until \($0.time("due_date")) (loan \($0.text("id")))."
        }
    }

    /// `stacks desk checkin BARCODE`.
    static let checkin = Command(
        CommandSpec(
            "desk checkin", "BARCODE", positionals: 1...1,
            "Take back the copy with this barcode, from whoever has it (librarians).")
    ) { (context: inout Context) throws(ClientError) in
        let result = try await context.data(
            .send("POST", "/api/desk/checkin", DeskCheckinBody(barcode: context.invocation.positionals[0])))
        context.show(result) { result in
            let loan = result.member("loan") ?? .null
            let item = result.member("item") ?? .null
            var text =
                "Checked in copy \(item.text("barcode")) of “\(loan.text("book_title"))” from \(loan.text("borrower_email"))"
            text += " (loan \(loan.text("id"))); it is now \(item.text("status"))"
            if let hold = result.member("hold"), hold != .null {
                text += ", for hold \(hold.text("id")) of \(hold.text("member_email"))"
            }
            return text + "."
        }
    }
}
