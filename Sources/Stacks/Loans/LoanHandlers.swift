// `POST /api/books/{id}/borrow`, `GET /api/borrows`, `POST /api/borrows/{id}/return` and
// `/renew`: the demo's borrow records, each answer rebuilt from the request and the database.
import HTTP

/// `POST /api/books/{id}/borrow` body; empty means all defaults.
package struct BorrowBody: RequestBody {
    package var borrowerName: String?
    package var days: Int?
    package static let fields: Set<String> = ["borrower_name", "days"]
    private enum CodingKeys: String, CodingKey {
        case borrowerName = "borrower_name"
        case days
    }
}

/// `POST /api/borrows/{id}/renew` body; empty means the member's default loan period (14 days unless changed).
struct RenewBody: RequestBody {
    var days: Int?
    static let fields: Set<String> = ["days"]
}

/// Handlers of the loan endpoints.
enum LoanHandlers {

    /// `POST /api/books/{id}/borrow`.
    static func borrow(_ request: Request, _ context: RequestContext, _ body: BorrowBody) throws -> Response {
        let bookID = try context.parameters.id("id")
        var validation = Validation()
        let days = body.days
        validation.loanDays(days)
        let name = validation.line(body.borrowerName, "/borrower_name", maxLength: 200)
        try validation.finish()
        let loan = try LoanStore(connection: context.connection()).checkOut(
            bookID: bookID, memberID: context.principal().memberID, borrowerName: name, days: days,
            maxLoans: context.config.maxLoans, shelf: context.shelf())
        var response = Response.success(loan, message: "Borrowed '\(loan.bookTitle)' until \(loan.dueDate)", status: .created)
        response.headers.set("Location", "/api/borrows/\(loan.id)")
        return response
    }

    /// `GET /api/borrows`: the caller's records (a librarian may name a member), newest first.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let status = try query.oneOf("status", LoanStatus.self)
        let principal = try context.principal()
        var memberID = principal.memberID
        if let member = query.get("member") {
            let members = MemberStore(connection: try context.connection())
            let found =
                try Int64(member).flatMap { try members.member(id: $0) }
                ?? members.member(email: EmailRule.normalise(member))?.member
            guard let found else { throw Problem.notFound("No member is '\(member)'.") }
            memberID = found.id
        }
        let paging = try KeyPaging(query, sort: "-id", filter: "\(status?.rawValue ?? "")|\(memberID)")
        let rows = try LoanStore(connection: context.connection()).page(
            memberID: memberID, status: status, before: paging.position, limit: paging.limit + 1)
        return paging.response(request, rows: rows, key: \.id, noun: "borrow record")
    }

    /// `GET /api/borrows/{id}`: one of the caller's records; a librarian (admin scope) may read anyone's.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        let principal = try context.principal()
        let owner = principal.scopes.contains(.admin) ? nil : principal.memberID
        guard let loan = try LoanStore(connection: context.connection()).loan(id: id, memberID: owner) else {
            throw LoanError.notFound(id)
        }
        return Response.success(loan, message: "Borrow record \(loan.id)")
    }

    /// `POST /api/borrows/{id}/return`.
    static func giveBack(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        let loan = try LoanStore(connection: context.connection()).checkIn(
            loanID: id, memberID: context.principal().memberID, shelf: context.shelf())
        return Response.success(loan, message: "Returned '\(loan.bookTitle)'")
    }

    /// `POST /api/borrows/{id}/renew`.
    static func renew(_ request: Request, _ context: RequestContext, _ body: RenewBody) throws -> Response {
        let id = try context.parameters.id("id")
        var validation = Validation()
        let days = body.days
        validation.loanDays(days)
        try validation.finish()
        let loan = try LoanStore(connection: context.connection()).renew(
            loanID: id, memberID: context.principal().memberID, days: days, maxRenewals: context.config.maxRenewals)
        return Response.success(loan, message: "Renewed until \(loan.dueDate)")
    }
}
