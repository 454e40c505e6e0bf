// `GET /api/books/{id}/items`, and for librarians `POST /api/books/{id}/items`,
// `GET /api/items/{barcode}` and `PATCH /api/items/{barcode}`: a book's copies by barcode.
import HTTP

/// `POST /api/books/{id}/items` body: the new copy's barcode, generated when absent.
struct NewItemBody: RequestBody {
    var barcode: String?
    static let fields: Set<String> = ["barcode"]
}

/// `PATCH /api/items/{barcode}` body: the status a librarian sets.
struct ItemPatchBody: RequestBody {
    var status: String?
    static let fields: Set<String> = ["status"]
}

/// Handlers of the item endpoints.
enum ItemHandlers {
    /// `GET /api/books/{id}/items`.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let bookID = try context.parameters.id("id")
        guard let items = try ItemStore(connection: context.connection()).items(bookID: bookID) else {
            throw BookError.notFound(bookID)
        }
        return Response.success(items, message: "\(items.count) cop\(items.count == 1 ? "y" : "ies")")
    }

    /// `POST /api/books/{id}/items`.
    static func create(_ request: Request, _ context: RequestContext, _ body: NewItemBody) throws -> Response {
        let bookID = try context.parameters.id("id")
        var validation = Validation()
        if let barcode = body.barcode {
            validation.check(Barcode.isValid(barcode), "/barcode", Barcode.rule)
            validation.check(!Barcode.isGenerated(barcode), "/barcode", "S and 10 digits is the form of generated barcodes")
        }
        try validation.finish()
        let item = try ItemStore(connection: context.connection()).add(
            bookID: bookID, barcode: body.barcode, shelf: context.shelf())
        var response = Response.success(item, message: "Copy \(item.item.barcode) added", status: .created)
        response.headers.set("Location", "/api/items/\(item.item.barcode)")
        return response
    }

    /// `GET /api/items/{barcode}`.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let barcode = try barcodeParameter(context)
        guard let item = try ItemStore(connection: context.connection()).detail(barcode: barcode) else {
            throw ItemError.notFound(barcode)
        }
        return Response.success(item, message: "Copy \(barcode) of '\(item.bookTitle)'")
    }

    /// `PATCH /api/items/{barcode}`: `lost`, `withdrawn` or `available`.
    static func update(_ request: Request, _ context: RequestContext, _ body: ItemPatchBody) throws -> Response {
        let barcode = try barcodeParameter(context)
        let settable: [ItemStatus] = [.available, .lost, .withdrawn]
        guard let text = body.status, let status = ItemStatus(rawValue: text), settable.contains(status) else {
            throw Problem.validation([FieldError(pointer: "/status", detail: "must be available, lost or withdrawn")])
        }
        let item = try ItemStore(connection: context.connection()).setStatus(
            barcode: barcode, to: status, shelf: context.shelf())
        return Response.success(item, message: "Copy \(barcode) is \(item.item.status.rawValue)")
    }

    /// The barcode in the path; one that cannot exist is a 404.
    static func barcodeParameter(_ context: RequestContext) throws -> String {
        let barcode = context.parameters.get("barcode") ?? ""
        guard Barcode.isValid(barcode) else { throw ItemError.notFound(barcode) }
        return barcode
    }
}

/// The form of a barcode.
enum Barcode {
    /// The rule, for validation messages.
    static let rule = "must be 1 to 40 letters, digits, dots and hyphens, starting with a letter or digit"

    /// Whether `text` has the form the items table accepts.
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...40).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Whether `text` has the form of a generated barcode (S and 10 digits), which librarians may not take.
    static func isGenerated(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 11 && bytes[0] == UInt8(ascii: "S")
            && bytes.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
