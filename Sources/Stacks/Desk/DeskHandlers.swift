// The circulation desk (librarians): `POST /api/desk/checkout` lends the copy with this barcode to
// the member with this email, under the same limits as a member's own borrow; `POST
// /api/desk/checkin` takes a copy back from whoever has it and gives it to the first waiting hold.
import HTTP
import Postgres
import StacksWire

extension DeskCheckoutBody: RequestBody {
    /// The fields a checkout may name.
    package static let fields: Set<String> = ["barcode", "member_email", "days"]
}

extension DeskCheckinBody: RequestBody {
    /// The fields a check-in may name.
    package static let fields: Set<String> = ["barcode"]
}

/// What a check-in did: the loan it ended, where the copy is now, and the hold it went to.
struct Checkin: JSONWritable, Equatable, Sendable {
    let loan: Loan
    let item: Item
    let hold: Hold?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hold, forKey: .hold)
        try container.encode(item, forKey: .item)
        try container.encode(loan, forKey: .loan)
    }

    private enum CodingKeys: String, CodingKey { case loan, item, hold }

    /// Writes the fields in sorted order, as `encode(to:)` gives them.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("hold", hold)
            json.field("item", item)
            json.field("loan", loan)
        }
    }
}

/// Handlers of the desk endpoints.
enum DeskHandlers {
    /// `POST /api/desk/checkout`.
    static func checkout(_ request: Request, _ context: RequestContext, _ body: DeskCheckoutBody) throws -> Response {
        var validation = Validation()
        validation.check(body.barcode.map(Barcode.isValid) == true, "/barcode", "is required and \(Barcode.rule)")
        validation.check(body.memberEmail?.isEmpty == false, "/member_email", "is required")
        let days = body.days
        validation.loanDays(days)
        try validation.finish()
        let barcode = body.barcode ?? ""
        let email = EmailRule.normalise(body.memberEmail ?? "")
        let connection = try context.connection()
        let shelf = try context.shelf()
        let loan = try connection.transaction {
            guard let member = try MemberStore(connection: connection).member(email: email)?.member else {
                throw Problem.notFound("No member has the email '\(email)'.")
            }
            guard
                let bookID = try connection.query("SELECT book_id FROM items WHERE barcode = \(barcode)").first?["book_id"]
                    .flatMap(Int64.init)
            else { throw ItemError.notFound(barcode) }
            let store = LoanStore(connection: connection)
            guard let name = try store.lockMember(member.id, maxLoans: context.config.maxLoans) else {
                throw LoanError.memberLimitReached(email: email, max: context.config.maxLoans)
            }
            _ = try HoldShelf.lockBook(bookID, on: connection)
            if let loan = try store.lend(
                bookID: bookID, barcode: barcode, memberID: member.id, name: name, days: days, shelf: shelf)
            {
                return loan
            }
            throw try blocker(barcode: barcode, connection: connection)
        }
        var response = Response.success(
            loan, message: "Lent copy \(barcode) of '\(loan.bookTitle)' to \(email) until \(loan.dueDate)", status: .created)
        response.headers.set("Location", "/api/borrows/\(loan.id)")
        return response
    }

    /// `POST /api/desk/checkin`.
    static func checkin(_ request: Request, _ context: RequestContext, _ body: DeskCheckinBody) throws -> Response {
        var validation = Validation()
        validation.check(body.barcode.map(Barcode.isValid) == true, "/barcode", "is required and \(Barcode.rule)")
        try validation.finish()
        let barcode = body.barcode ?? ""
        let connection = try context.connection()
        let shelf = try context.shelf()
        let checkin = try connection.transaction {
            let items = ItemStore(connection: connection)
            let item: SQL = "SELECT book_id FROM items WHERE barcode = \(barcode)"
            guard try HoldShelf.lockBook(of: item, on: connection) != nil else { throw ItemError.notFound(barcode) }
            let closed = try LoanStore(connection: connection).close(
                where: "item_id = (SELECT id FROM items WHERE barcode = \(barcode))", shelf: shelf)
            guard let loan = closed else {
                let status = try connection.query("SELECT status FROM items WHERE barcode = \(barcode)")[0].string("status")
                throw LoanError.notOnLoan(barcode: barcode, status: status)
            }
            guard let detail = try items.detail(barcode: barcode) else { throw ItemError.notFound(barcode) }
            return Checkin(loan: loan, item: detail.item, hold: detail.hold)
        }
        let next = checkin.hold.map { "; it waits on the hold shelf for \($0.memberEmail)" } ?? "; it is available"
        return Response.success(checkin, message: "Checked in copy \(barcode) from \(checkin.loan.borrowerEmail)\(next)")
    }

    /// Why a copy could not be lent to this member: on loan, held for someone else, lost or withdrawn.
    private static func blocker(barcode: String, connection: Connection) throws -> LoanError {
        let row = try connection.query(
            """
            SELECT i.status, \(fragment: SQLTime.iso("l.due_at")) AS due_at
            FROM items i LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL WHERE i.barcode = \(barcode)
            """)[0]
        switch try row.string("status") {
        case "on_loan": return .itemOnLoan(due: row["due_at"])
        case "on_hold_shelf": return .heldForAnother
        case let status: return .itemUnavailable(status)
        }
    }
}
