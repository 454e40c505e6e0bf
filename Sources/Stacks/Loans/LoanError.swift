// What circulation refuses; ErrorCatalogue.swift maps each to its problem.

/// A loan error.
enum LoanError: Error, Equatable {
    /// Every copy of the book is on loan (409).
    case noCopyFree
    /// The member holds this many active loans, the limit (409).
    case limitReached(Int)
    /// The member has no loan with this id (404).
    case notFound(Int64)
    /// The loan was already returned, at this time if known (409).
    case alreadyReturned(at: String?)
    /// An overdue loan cannot be renewed (409).
    case overdue
    /// The loan was renewed this many times, the limit (409).
    case renewalLimit(Int)
    /// Members wait for this book, so its loans are not renewed (409).
    case holdsWaiting
    /// The copy is on the hold shelf for another member (409).
    case heldForAnother
    /// The copy is already on loan, due back then (409).
    case itemOnLoan(due: String?)
    /// The copy cannot circulate: `lost` or `withdrawn` (409).
    case itemUnavailable(String)
    /// The member named at the desk has this many active loans, the limit (409).
    case memberLimitReached(email: String, max: Int)
    /// The copy is not on loan, so there is nothing to check in (409).
    case notOnLoan(barcode: String, status: String)
}
