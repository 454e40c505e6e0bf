// `POST /api/books/{id}/holds`, `GET /api/holds`, `GET|PATCH|DELETE /api/holds/{id}`: a member's
// place in a book's queue. Librarians (admin scope) see a whole queue with `book_id=` and may
// cancel or suspend anyone's hold.
import Foundation
import HTTP

/// `POST /api/books/{id}/holds` body: nothing to say yet, so `{}` or none.
struct PlaceHoldBody: RequestBody {
    static let fields: Set<String> = []
}

/// `PATCH /api/holds/{id}` body: `suspended_until`, a future time or null (resume); required.
struct HoldPatchBody: RequestBody {
    /// The time the suspension ends, nil to resume.
    var suspendedUntil: String?
    /// Whether the body named `suspended_until` at all (null counts).
    var named: Bool
    static let fields: Set<String> = ["suspended_until"]

    private enum CodingKeys: String, CodingKey {
        case suspendedUntil = "suspended_until"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        named = container.contains(.suspendedUntil)
        suspendedUntil = try container.decodeIfPresent(String.self, forKey: .suspendedUntil)
    }
}

/// Handlers of the hold endpoints.
enum HoldHandlers {
    /// The longest suspension, in days.
    static let maxSuspensionDays = 365

    /// `POST /api/books/{id}/holds`.
    static func place(_ request: Request, _ context: RequestContext, _ body: PlaceHoldBody) throws -> Response {
        let bookID = try context.parameters.id("id")
        let hold = try HoldStore(connection: context.connection()).place(
            bookID: bookID, memberID: context.principal().memberID, maxHolds: context.config.maxHolds, shelf: context.shelf())
        let message =
            hold.status == .awaitingPickup
            ? "A copy of '\(hold.bookTitle)' waits for you on the hold shelf until \(hold.pickupExpiresAt ?? "")"
            : "You are number \(hold.position ?? 0) of \(hold.queueLength) in the queue for '\(hold.bookTitle)'"
        var response = Response.success(hold, message: message, status: .created)
        response.headers.set("Location", "/api/holds/\(hold.id)")
        return response
    }

    /// `GET /api/holds`: the caller's holds, newest first; a librarian's `book_id=` gives that
    /// book's holds in queue order.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try request.query()
        let status = try query.oneOf("status", HoldStatus.self)
        let bookID = try query.integer("book_id", in: 1...Int(Int64.max)).map(Int64.init)
        let memberID = bookID == nil ? try context.principal().memberID : nil
        let paging = try KeyPaging(
            query, sort: bookID == nil ? "-id" : "id", filter: "\(status?.rawValue ?? "")|\(memberID ?? 0)|\(bookID ?? 0)")
        let rows = try HoldStore(connection: context.connection()).page(
            memberID: memberID, bookID: bookID, status: status, after: paging.position, limit: paging.limit + 1)
        return paging.response(request, rows: rows, key: \.id, noun: "hold")
    }

    /// `GET /api/holds/{id}`.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        guard let hold = try HoldStore(connection: context.connection()).hold(id: id, memberID: owner(context)) else {
            throw HoldError.notFound(id)
        }
        return Response.success(hold, message: "Hold \(hold.id)")
    }

    /// `DELETE /api/holds/{id}`: cancels the hold; the queue closes up.
    static func cancel(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        let hold = try HoldStore(connection: context.connection()).cancel(
            id: id, memberID: owner(context), shelf: context.shelf())
        return Response.success(hold, message: "Cancelled your hold on '\(hold.bookTitle)'")
    }

    /// `PATCH /api/holds/{id}`: suspends the hold until `suspended_until`, or resumes it (null).
    static func update(_ request: Request, _ context: RequestContext, _ body: HoldPatchBody) throws -> Response {
        let id = try context.parameters.id("id")
        var validation = Validation()
        validation.check(body.named, "/suspended_until", "is required: a future time (ISO 8601), or null to resume")
        var until: String?
        if let text = body.suspendedUntil {
            let date = Self.date(text)
            validation.check(date != nil, "/suspended_until", "must be a time in ISO 8601 form, e.g. 2026-12-24T09:00:00Z")
            if let date {
                let latest = context.now.addingTimeInterval(Double(maxSuspensionDays) * 86_400)
                validation.check(date > context.now, "/suspended_until", "must be in the future")
                validation.check(date <= latest, "/suspended_until", "must be at most \(maxSuspensionDays) days ahead")
                until = Timestamp.iso8601(date)
            }
        }
        try validation.finish()
        let hold = try HoldStore(connection: context.connection()).suspend(
            id: id, memberID: owner(context), until: until, shelf: context.shelf())
        let message = hold.suspendedUntil.map { "Suspended until \($0); you keep your place" } ?? "Resumed"
        return Response.success(hold, message: message)
    }

    /// The member whose holds the caller may touch; nil for a librarian (anyone's).
    private static func owner(_ context: RequestContext) throws -> Int64? {
        let principal = try context.principal()
        return principal.scopes.contains(.admin) ? nil : principal.memberID
    }

    /// An ISO 8601 time with an offset, fractional seconds allowed.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
