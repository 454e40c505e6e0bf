// The bodies of `POST /api/books` and `PATCH /api/books/{id}` and their validation: ISBN-10/13
// with a correct check digit, years and copy counts in range; every failure a 422 pointer.
import HTTP

/// A book as a client sends it; for PATCH every field is optional.
package struct BookInput: RequestBody {
    package var title: String?
    package var author: String?
    package var isbn: String?
    package var year: Int?
    package var copies: Int?
    package static let fields: Set<String> = ["title", "author", "isbn", "year", "copies"]

    /// Checks the present fields (and, for a new book, that the required ones are there); normalises the ISBN.
    package func validated(creating: Bool) throws(Problem) -> BookInput {
        var validation = Validation()
        var clean = self
        clean.title = validation.line(title, "/title", maxLength: 500)
        clean.author = validation.line(author, "/author", maxLength: 300)
        clean.isbn = isbn.map { $0.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: " ", with: "").uppercased() }
        if creating {
            for (name, value) in [("title", title as Any?), ("author", author), ("isbn", isbn), ("year", year)] where value == nil
            {
                validation.check(false, "/\(name)", "is required")
            }
            if clean.copies == nil { clean.copies = 1 }
        } else {
            validation.check(
                [title as Any?, author, isbn, year, copies].contains { $0 != nil }, "", "must change at least one field")
        }
        if let isbn = clean.isbn {
            validation.check(ISBN.isValid(isbn), "/isbn", "must be an ISBN-10 or ISBN-13 with a correct check digit")
        }
        if let year { validation.check((-3000...3000).contains(year), "/year", "must be from -3000 to 3000") }
        if let copies { validation.check((0...10_000).contains(copies), "/copies", "must be from 0 to 10000") }
        try validation.finish()
        return clean
    }
}

/// ISBN check digits (ISO 2108).
enum ISBN {
    /// Whether `text` (no hyphens) is a valid ISBN-10 or ISBN-13.
    static func isValid(_ text: String) -> Bool {
        let characters = Array(text)
        if characters.count == 10 {
            var sum = 0
            for (index, character) in characters.enumerated() {
                let value: Int
                if let digit = character.wholeNumberValue, character.isASCII {
                    value = digit
                } else if character == "X" && index == 9 {
                    value = 10
                } else {
                    return false
                }
                sum += value * (10 - index)
            }
            return sum % 11 == 0
        }
        if characters.count == 13 {
            var sum = 0
            for (index, character) in characters.enumerated() {
                guard character.isASCII, let digit = character.wholeNumberValue else { return false }
                sum += digit * (index % 2 == 0 ? 1 : 3)
            }
            return sum % 10 == 0
        }
        return false
    }
}
