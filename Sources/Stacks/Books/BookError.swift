// What the catalog refuses; ErrorCatalogue.swift maps each to its problem.

/// A catalog error.
enum BookError: Error, Equatable {
    /// The ISBN belongs to another book (409).
    case duplicateISBN
    /// This many copies are on loan, so the book cannot go or shrink below them (409).
    case onLoan(Int)
    /// No book has this id (404).
    case notFound(Int64)
}
