// Every type that writes its own JSON against Foundation's encoder of its Encodable form: the same
// bytes, for ordinary values and for strings full of what JSON must escape.
import Foundation
import StacksWire
import Testing

@testable import HTTP
@testable import Postgres
@testable import Stacks

@Suite struct JSONWriterTests {
    /// Text that exercises escaping: quotes, backslashes, every control character, `/`, non-ASCII.
    static let awkward: [String] = [
        "", "plain", "quote \" and backslash \\", "slash / and </script>", "tab\tnew\nline\r",
        String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }), "\u{7F} del", "ünïcödé ✓ 📚",
        "\u{2028}\u{2029} separators", "emoji 👩‍👩‍👧 and combining e\u{301}",
    ]

    /// Strings drawn from the awkward pieces with a fixed seed, so a failure repeats.
    static func strings(_ count: Int, seed: UInt64) -> [String] {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in (0..<(next() % 4)).map { _ in awkward[next() % awkward.count] }.joined() }
    }

    static func row(_ values: [String: String?]) -> Row {
        let names = Array(values.keys)
        return Row(
            columns: Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }),
            values: names.map { values[$0]! })
    }

    func same<Value: JSONWritable>(_ value: Value) {
        let written = String(decoding: JSONWriter.bytes(of: value), as: UTF8.self)
        let encoded = String(decoding: JSONCoding.encode(value), as: UTF8.self)
        #expect(written == encoded)
    }

    @Test("a book is written as Foundation encodes it")
    func books() throws {
        for (index, text) in Self.strings(200, seed: 1).enumerated() {
            let book = try Book(
                row: Self.row([
                    "id": String(index * 7919 - 3), "title": text, "author": String(text.reversed()), "isbn": "978" + text,
                    "year": String(-500 + index * 13), "copies": String(index % 5), "available_copies": String(index % 3),
                ]))
            same(book)
            same([book, book])
        }
    }

    @Test("a loan is written as Foundation encodes it, nulls included")
    func loans() throws {
        for (index, text) in Self.strings(200, seed: 2).enumerated() {
            let loan = try Loan(
                row: Self.row([
                    "id": String(Int64.max - Int64(index)), "book_id": index.isMultiple(of: 2) ? nil : String(index),
                    "book_title": text, "borrower_name": text + "x", "borrower_email": "a@b.c", "borrow_date": text,
                    "due_date": "2026-12-01T00:00:00Z", "returned": index % 3 == 0 ? "t" : "f",
                    "returned_at": index % 3 == 0 ? text : nil, "renewals": String(index), "status": "active",
                    "barcode": index.isMultiple(of: 5) ? nil : text,
                ]))
            same(loan)
        }
    }

    @Test("items, holds, an item's detail and a check-in are written as Foundation encodes them, nulls included")
    func circulation() throws {
        for (index, text) in Self.strings(200, seed: 4).enumerated() {
            let item = try Item(
                row: Self.row([
                    "barcode": text, "status": ItemStatus.allCases[index % 5].rawValue,
                    "due_at": index.isMultiple(of: 2) ? nil : text,
                ]))
            let hold = try Hold(
                row: Self.row([
                    "id": String(index), "book_id": String(index * 3), "book_title": text, "member_email": text + "@x",
                    "status": HoldStatus.allCases[index % 5].rawValue, "position": index.isMultiple(of: 3) ? nil : String(index),
                    "queue_length": String(index * 2), "barcode": index.isMultiple(of: 4) ? nil : text,
                    "pickup_expires_at": index.isMultiple(of: 2) ? text : nil,
                    "suspended_until": index.isMultiple(of: 7) ? text : nil,
                    "created_at": text, "updated_at": text,
                ]))
            let loan = try Loan(
                row: Self.row([
                    "id": String(index), "book_id": String(index), "book_title": text, "borrower_name": text,
                    "borrower_email": "a@b.c", "borrow_date": text, "due_date": text, "returned": "f", "returned_at": nil,
                    "renewals": "0", "status": "active", "barcode": text,
                ]))
            same(item)
            same(hold)
            same([item, item])
            same(
                ItemDetail(
                    item: item, bookID: Int64(index), bookTitle: text, loan: index.isMultiple(of: 2) ? loan : nil,
                    hold: index.isMultiple(of: 3) ? hold : nil))
            same(Checkin(loan: loan, item: item, hold: index.isMultiple(of: 2) ? hold : nil))
        }
    }

    @Test("chat rows, page metadata, field errors and the health body are written as Foundation encodes them")
    func others() {
        for (index, text) in Self.strings(100, seed: 3).enumerated() {
            same(ConversationInfo(rowID: 1, id: text, messages: index, createdAt: text, updatedAt: "u"))
            same(MessageView(id: -index, role: text, content: text + text, createdAt: "c"))
            same(PageMeta(nextCursor: index.isMultiple(of: 2) ? nil : text, limit: index))
            same([FieldError(pointer: text, detail: "is " + text)])
            same(HealthHandlers.Live(data: .init(pid: Int32(index), timestamp: text)))
        }
        same([Book]())
    }

    @Test("a problem body is written as Foundation encodes it, with and without errors and instance")
    func problems() {
        for (index, text) in Self.strings(100, seed: 4).enumerated() {
            var problem = Problem("slug-\(index)", title: text, status: .unprocessableContent, detail: text + "!")
            same(problem.body(requestID: ""))
            problem.errors = [FieldError(pointer: "/\(text)", detail: text), FieldError(pointer: "", detail: "")]
            same(problem.body(requestID: text))
        }
    }

    @Test("a job is written as Foundation encodes it, payloads of every shape and nulls included")
    func jobs() throws {
        let payloads = [
            #"{}"#, #"{"hold_id": 12}"#, #"{"b": [1, 2.5, -3e3, null, true, "x"], "a": {"z": {}, "y": []}}"#,
            #"{"big": 9223372036854775807, "small": -9223372036854775808, "frac": 0.1}"#,
        ]
        for (index, text) in Self.strings(100, seed: 6).enumerated() {
            let job = try Job(
                row: Self.row([
                    "id": String(index), "kind": "hold_capture", "payload": payloads[index % payloads.count],
                    "state": JobState.allCases[index % 4].rawValue, "run_at": text, "attempts": String(index % 7),
                    "last_error": index.isMultiple(of: 2) ? nil : text, "dedupe_key": index.isMultiple(of: 3) ? text : nil,
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": text, "done_at": index.isMultiple(of: 5) ? nil : text,
                ]))
            same(job)
            same([job, job])
        }
    }

    private struct Envelope<Data: Encodable>: Encodable {
        let success = true
        let data: Data
        let message: String
        let meta: PageMeta?
    }

    @Test("the success envelope is written as Foundation encodes it")
    func envelope() throws {
        for (index, text) in Self.strings(100, seed: 5).enumerated() {
            let book = try Book(
                row: Self.row([
                    "id": "1", "title": text, "author": "a", "isbn": "1", "year": "2000", "copies": "1",
                    "available_copies": "0",
                ]))
            let meta = index.isMultiple(of: 2) ? nil : PageMeta(nextCursor: text, limit: 20)
            let response = Response.success([book], message: text, meta: meta)
            let expected = JSONCoding.encode(Envelope(data: [book], message: text, meta: meta))
            #expect(String(decoding: response.body, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }
}
