// Fuzz target `json`: the strict scanner and the decoding of request bodies. The first byte picks
// the body type (book, borrow, preferences patch) and the Content-Type; the rest is the body. The
// scanner is checked against the writer and Foundation's encoder, the decoders against the scanner.
import Foundation
import HTTP
import Stacks
import StacksWire

/// Request bodies → the endpoints' body types, with their invariants.
enum JSONFuzz {
    private static let contentTypes: [String?] = [
        nil, "application/json", "application/merge-patch+json; charset=utf-8", "text/plain",
    ]

    /// Runs one input.
    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let body = Array(input.dropFirst())
        let members = scan(body)
        var headers = Headers()
        if let type = contentTypes[Int(selector >> 2) % contentTypes.count] { headers.add("Content-Type", type) }
        let request = Request(method: .post, path: "/", headers: headers, body: body)
        switch selector % 3 {
        case 0: decodeBook(request, members: members)
        case 1: decodeBorrow(request, members: members)
        default: decodePatch(request, members: members, hasSecret: selector & 0x80 != 0)
        }
    }

    /// The scanner's members, or nil when it refuses the body; every string it reads is one the
    /// writer writes as Foundation's encoder does and the scanner reads back unchanged.
    private static func scan(_ body: [UInt8]) -> [(key: String, value: JSONScalar)]? {
        guard let members = try? JSONScanner.topLevelMembers(of: body) else { return nil }
        let keys = members.map(\.key)
        invariant(Set(keys).count == keys.count, "the scanner accepted a duplicate key")
        var strings: [String] = []
        for (key, value) in members where strings.count < 4 {
            strings.append(key)
            if case .string(let text) = value { strings.append(text) }
            if case .strings(let texts) = value { strings += texts.prefix(2) }
        }
        for text in strings {
            let quoted = JSONText.quoted(text)
            invariant(Array(quoted.utf8) == JSONCoding.encode(text), "JSONText.quoted differs from Foundation's encoder")
            let again = try? JSONScanner.topLevelMembers(of: Array("{\(quoted):\(quoted)}".utf8))
            invariant(again?.first?.key == text && again?.first?.value == .string(text), "a written string reads back changed")
        }
        return members
    }

    /// A string member as the scanner read it, `.some(nil)` for null, nil when absent or another type.
    private static func string(_ members: [(key: String, value: JSONScalar)]?, _ key: String) -> String?? {
        switch members?.first(where: { $0.key == key })?.value {
        case nil, .null?: return .some(nil)
        case .string(let text)?: return .some(text)
        default: return nil
        }
    }

    /// A decoded body passed the scanner and agrees with it; a refused one is a 400, 415 or 422.
    private static func decoded<Body: RequestBody>(
        _ type: Body.Type, _ request: Request, members: [(key: String, value: JSONScalar)]?
    ) -> Body? {
        do {
            let body = try request.decode(Body.self)
            invariant(members != nil, "decoded a body the scanner refuses")
            invariant(members!.allSatisfy { Body.fields.contains($0.key) }, "decoded a body with an unknown field")
            return body
        } catch {
            invariant([400, 415, 422].contains(error.status.code), "a refused body is a \(error.status.code)")
            invariant(members != nil || error.status.code != 422, "a body the scanner refuses is a 422")
            return nil
        }
    }

    private static func decodeBook(_ request: Request, members: [(key: String, value: JSONScalar)]?) {
        guard let book = decoded(BookInput.self, request, members: members) else { return }
        for (key, value) in [("title", book.title), ("author", book.author), ("isbn", book.isbn)] {
            if let scanned = string(members, key) { invariant(scanned == value, "\(key) decoded unlike the scanner read it") }
        }
        for creating in [true, false] {
            do {
                let clean = try book.validated(creating: creating)
                invariant(!creating || (clean.title != nil && clean.copies != nil), "a new book without title or copies")
                if let isbn = clean.isbn { invariant([10, 13].contains(isbn.count), "an ISBN of \(isbn.count) characters") }
                if let title = clean.title {
                    invariant(!title.isEmpty && title.unicodeScalars.count <= 500, "a bad title passed")
                }
                if let year = clean.year { invariant((-3000...3000).contains(year), "year \(year) passed") }
                if let copies = clean.copies { invariant((0...10_000).contains(copies), "copies \(copies) passed") }
            } catch {
                invariant(error.status == .unprocessableContent && !error.errors.isEmpty, "a bad book is not a 422 with pointers")
            }
        }
    }

    private static func decodeBorrow(_ request: Request, members: [(key: String, value: JSONScalar)]?) {
        guard let borrow = decoded(BorrowBody.self, request, members: members) else { return }
        if let scanned = string(members, "borrower_name") {
            invariant(scanned == borrow.borrowerName, "borrower_name decoded unlike the scanner read it")
        }
    }

    private static func decodePatch(_ request: Request, members: [(key: String, value: JSONScalar)]?, hasSecret: Bool) {
        guard let patch = decoded(PreferencesPatch.self, request, members: members) else { return }
        let current = Preferences(
            defaultLoanDays: 14, dueSoonDays: 2, overdue: true, holdAvailable: true, webhookEnabled: false, webhookURL: nil,
            webhookSecretCreatedAt: nil, updatedAt: nil)
        do {
            let next = try patch.applied(to: current, hasSecret: hasSecret)
            invariant(
                (1...30).contains(next.defaultLoanDays) && (0...7).contains(next.dueSoonDays), "a value out of range passed")
            invariant(!next.webhookEnabled || (next.webhookURL != nil && hasSecret), "webhooks on without a URL or secret")
            if let url = next.webhookURL, case .string(let sent)? = members?.first(where: { $0.key == "webhook_url" })?.value,
                let colon = sent.firstIndex(of: ":")
            {
                // Kept as sent, but for the scheme, which is stored in lower case.
                invariant(url == sent[..<colon].lowercased() + sent[colon...], "webhook_url decoded unlike the scanner read it")
            }
        } catch {
            invariant(error.status == .badRequest && !error.errors.isEmpty, "a bad patch is not a 400 with pointers")
        }
    }
}
