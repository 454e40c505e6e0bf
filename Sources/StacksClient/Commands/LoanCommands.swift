// The member's loans: `stacks borrow ID`, `stacks borrows`, `stacks return LOAN`, `stacks renew
// LOAN`. Each write carries a fresh idempotency key and is retried with it until the answer is sure.
import Foundation
import StacksWire

/// The loan commands.
enum LoanCommands {
    /// `stacks borrow ID`.
    static let borrow = Command(
        CommandSpec(
            "borrow", "ID", positionals: 1...1,
            options: [
                .valued("--days", "N", "the loan period, 1-30 days (else your default_loan_days)"),
                .valued("--name", "NAME", "the borrower's name on the record (else yours)"),
            ], "Borrow a copy of a book.")
    ) { (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a book id")
        let body = BorrowBody(
            borrowerName: context.invocation.value("--name"), days: try context.invocation.integer("--days", in: 1...30))
        let loan = try await context.data(.send("POST", "/api/books/\(id)/borrow", body))
        context.show(loan) { loan in
            "Borrowed “\(loan.text("book_title"))” until \(loan.time("due_date")) (loan \(loan.text("id")), copy \(loan.text("barcode")))."
        }
    }

    /// `stacks borrows`.
    static let borrows = Command(
        CommandSpec(
            "borrows", options: [.valued("--status", "STATUS", "active, overdue or returned")] + Context.listOptions,
            "List your loans, newest first.")
    ) { (context: inout Context) throws(ClientError) in
        try await context.list(
            Listing(path: "/api/borrows", query: context.filters(["--status": "status"]), noun: "loans", columns: columns) {
                loan in
                [
                    loan.text("id"), loan.text("book_id"), loan.text("book_title"), loan.text("barcode"), loan.time("due_date"),
                    loan.text("status"), loan.text("renewals"),
                ]
            })
    }

    /// `stacks return LOAN`.
    static let giveBack = Command(CommandSpec("return", "LOAN", positionals: 1...1, "Return a loan.")) {
        (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a loan id")
        let loan = try await context.data(APICall("POST", "/api/borrows/\(id)/return"))
        context.show(loan) { "Returned “\($0.text("book_title"))” (loan \($0.text("id")))." }
    }

    /// `stacks renew LOAN`.
    static let renew = Command(
        CommandSpec(
            "renew", "LOAN", positionals: 1...1,
            options: [.valued("--days", "N", "the new period from now, 1-30 days (else your default_loan_days)")],
            "Renew a loan.")
    ) { (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a loan id")
        let body = RenewBody(days: try context.invocation.integer("--days", in: 1...30))
        let loan = try await context.data(.send("POST", "/api/borrows/\(id)/renew", body))
        context.show(loan) {
            "Renewed “\($0.text("book_title"))” until \($0.time("due_date")) (loan \($0.text("id")), renewal \($0.text("renewals")))."
        }
    }

    /// The columns of a loan list.
    static let columns = [
        Column("LOAN", alignRight: true), Column("BOOK", alignRight: true), Column("TITLE", flexible: true), Column("COPY"),
        Column("DUE"), Column("STATUS"), Column("RENEWALS", alignRight: true),
    ]
}
