// A catalog entry as the API shows it: the server writes it, the command-line client reads it.
// How the server reads one from a `books` row and writes its bytes lives with the server.

/// A book of the catalog.
public struct Book: Sendable, Equatable, Codable {
    /// The book's id.
    public let id: Int64
    /// The title.
    public let title: String
    /// The author or authors.
    public let author: String
    /// ISBN-10 or ISBN-13, without hyphens.
    public let isbn: String
    /// Year of publication.
    public let year: Int
    /// Copies the library owns.
    public let copies: Int
    /// Copies not on loan.
    public let availableCopies: Int

    /// Whether at least one copy can be borrowed.
    public var available: Bool { availableCopies > 0 }

    /// Makes a book from its fields.
    public init(id: Int64, title: String, author: String, isbn: String, year: Int, copies: Int, availableCopies: Int) {
        self.id = id
        self.title = title
        self.author = author
        self.isbn = isbn
        self.year = year
        self.copies = copies
        self.availableCopies = availableCopies
    }

    private enum CodingKeys: String, CodingKey {
        case id, title, author, isbn, year, copies, available
        case availableCopies = "available_copies"
    }

    /// Reads the stored fields; `available` follows from `available_copies`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(Int64.self, forKey: .id), title: try container.decode(String.self, forKey: .title),
            author: try container.decode(String.self, forKey: .author), isbn: try container.decode(String.self, forKey: .isbn),
            year: try container.decode(Int.self, forKey: .year), copies: try container.decode(Int.self, forKey: .copies),
            availableCopies: try container.decode(Int.self, forKey: .availableCopies))
    }

    /// Encodes the API fields, `available` included.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(author, forKey: .author)
        try container.encode(isbn, forKey: .isbn)
        try container.encode(year, forKey: .year)
        try container.encode(copies, forKey: .copies)
        try container.encode(availableCopies, forKey: .availableCopies)
        try container.encode(available, forKey: .available)
    }
}
