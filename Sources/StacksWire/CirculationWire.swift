// What a borrow, a renewal and the desk's checkout and check-in are sent. Every field is optional
// where the API's is: the server fills in defaults and validates the values.

/// `POST /api/books/{id}/borrow` body; empty means all defaults.
public struct BorrowBody: Codable, Sendable, Equatable {
    /// The name on the record; the member's own when nil.
    public var borrowerName: String?
    /// The loan period, 1–30 days; the member's default when nil.
    public var days: Int?

    /// A borrow body.
    public init(borrowerName: String? = nil, days: Int? = nil) {
        self.borrowerName = borrowerName
        self.days = days
    }

    private enum CodingKeys: String, CodingKey {
        case borrowerName = "borrower_name"
        case days
    }
}

/// `POST /api/borrows/{id}/renew` body; empty means the member's default loan period.
public struct RenewBody: Codable, Sendable, Equatable {
    /// The new period from now, in days.
    public var days: Int?

    /// A renew body.
    public init(days: Int? = nil) {
        self.days = days
    }
}

/// `POST /api/desk/checkout` body.
public struct DeskCheckoutBody: Codable, Sendable, Equatable {
    /// The copy lent.
    public var barcode: String?
    /// The member it is lent to.
    public var memberEmail: String?
    /// The loan period; the member's default when nil.
    public var days: Int?

    /// A checkout body.
    public init(barcode: String?, memberEmail: String?, days: Int? = nil) {
        self.barcode = barcode
        self.memberEmail = memberEmail
        self.days = days
    }

    private enum CodingKeys: String, CodingKey {
        case barcode, days
        case memberEmail = "member_email"
    }
}

/// `POST /api/desk/checkin` body.
public struct DeskCheckinBody: Codable, Sendable, Equatable {
    /// The copy taken back.
    public var barcode: String?

    /// A check-in body.
    public init(barcode: String?) {
        self.barcode = barcode
    }
}
