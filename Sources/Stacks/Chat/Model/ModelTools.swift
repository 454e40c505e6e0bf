// The library tools offered to the model as functions, with JSON Schemas of their arguments.
// Reading tools answer at once; the propose_* tools only propose: the turn ends with a question
// the member confirms, and the librarian carries the action out on "yes".
import StacksWire

/// The functions the model may call.
enum ModelTools {
    /// Names of the tools that read.
    static let reading: Set<String> = ["search_books", "get_book", "my_loans", "my_holds", "my_notices"]
    /// Names of the tools that propose a change for the member to confirm.
    static let proposing: Set<String> = [
        "propose_borrow", "propose_return", "propose_renew", "propose_hold", "propose_cancel_hold",
    ]

    /// Every tool, as offered in each request.
    static let definitions: [ToolDefinition] = [
        ToolDefinition(
            "search_books",
            "Search the library catalog, most relevant first (5 books a page). Give query (words of a title or subject) "
                + "or author (an author's name). Returns each book's id, title, author, year and free copies.",
            parameters: object([
                "query": .object(["type": .string("string"), "description": .string("Title or subject words.")]),
                "author": .object(["type": .string("string"), "description": .string("An author's name.")]),
                "offset": .object([
                    "type": .string("integer"), "minimum": .integer(0),
                    "description": .string("How many results to skip, for the next page."),
                ]),
            ])),
        ToolDefinition(
            "get_book", "One book of the catalog by id, with its free copies.",
            parameters: object(["book_id": id("The book's id.")], required: ["book_id"])),
        ToolDefinition(
            "my_loans", "The member's books on loan now, with loan ids and due dates.", parameters: object([:])),
        ToolDefinition(
            "my_holds", "The member's holds (waiting, or a copy awaiting pickup), with hold ids and queue positions.",
            parameters: object([:])),
        ToolDefinition(
            "my_notices", "The member's latest notices (due soon, overdue, hold available, hold expired).",
            parameters: object([
                "unread_only": .object(["type": .string("boolean"), "description": .string("Only notices not yet read.")])
            ])),
        ToolDefinition(
            "propose_borrow",
            "Propose borrowing a book. Nothing is borrowed: the member is asked to confirm, and the turn ends.",
            parameters: object(["book_id": id("The book's id."), "days": days], required: ["book_id"])),
        ToolDefinition(
            "propose_return",
            "Propose returning a book on loan (give loan_id or book_id). Nothing is returned until the member confirms.",
            parameters: object(["loan_id": id("The loan's id."), "book_id": id("The book's id.")])),
        ToolDefinition(
            "propose_renew",
            "Propose renewing a loan (give loan_id or book_id). Nothing is renewed until the member confirms.",
            parameters: object(["loan_id": id("The loan's id."), "book_id": id("The book's id."), "days": days])),
        ToolDefinition(
            "propose_hold",
            "Propose placing a hold on a book whose copies are all taken. Nothing is placed until the member confirms.",
            parameters: object(["book_id": id("The book's id.")], required: ["book_id"])),
        ToolDefinition(
            "propose_cancel_hold", "Propose cancelling one of the member's holds. Nothing changes until the member confirms.",
            parameters: object(["hold_id": id("The hold's id.")], required: ["hold_id"])),
    ]

    private static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": .string("object"), "properties": .object(properties), "additionalProperties": .bool(false),
        ]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        return .object(schema)
    }

    private static func id(_ description: String) -> JSONValue {
        .object(["type": .string("integer"), "description": .string(description)])
    }

    private static let days: JSONValue = .object([
        "type": .string("integer"), "minimum": .integer(Int64(Loan.periodDays.lowerBound)),
        "maximum": .integer(Int64(Loan.periodDays.upperBound)),
        "description": .string("Loan period in days; leave out for the member's default."),
    ])
}
