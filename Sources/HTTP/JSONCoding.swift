// JSON in and out through Foundation. Decoding first runs the strict scanner (depth, duplicate
// keys, NUL), refuses unknown top-level fields, then maps DecodingError to a 422 with pointers.
import Foundation

/// The API's JSON encoder and strict decoder.
public enum JSONCoding {
    /// Encodes with sorted keys, so equal values give equal bytes (and equal ETags).
    public static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("null".utf8)
    }

    /// Decodes a request body that must be one JSON object with only `allowedFields` at the top.
    public static func decode<Value: Decodable>(
        _ type: Value.Type, from body: [UInt8], allowedFields: Set<String>
    ) throws(Problem) -> Value {
        guard !body.isEmpty else { throw Problem.badRequest("A JSON request body is required.") }
        let members: [(key: String, value: JSONScalar)]
        do {
            members = try JSONScanner.topLevelMembers(of: body)
        } catch {
            throw Problem.badRequest("The request body is not acceptable JSON: \(error.reason)")
        }
        let unknown = members.map(\.key).filter { !allowedFields.contains($0) }
        guard unknown.isEmpty else {
            throw Problem.badRequest(
                "Unknown field\(unknown.count == 1 ? "" : "s") \(NameList.quoted(unknown)); "
                    + "known: \(allowedFields.sorted().joined(separator: ", ")).")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw Problem.validation([unrepresentableNumber(in: members)])
        } catch let error as DecodingError {
            throw Problem.validation([fieldError(error)])
        } catch {
            throw Problem.badRequest("The request body could not be decoded.")
        }
    }

    /// Maps a decoding failure to a JSON Pointer and a sentence.
    static func fieldError(_ error: DecodingError) -> FieldError {
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(pointer: pointer(context.codingPath + [key]), detail: "is required")
        case .typeMismatch(let type, let context):
            return FieldError(pointer: pointer(context.codingPath), detail: "must be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return FieldError(pointer: pointer(context.codingPath), detail: "must be \(typeName(type)), not null")
        case .dataCorrupted(let context):
            return FieldError(pointer: pointer(context.codingPath), detail: context.debugDescription)
        @unknown default:
            return FieldError(pointer: "", detail: "is not valid")
        }
    }

    /// Foundation refuses a number it cannot hold (1e400, or 1.5 or 2^63 for an integer) as
    /// "not valid JSON", with no path; the scanner accepted the text, so that is what happened.
    /// The pointer names the first top-level member that is no integer of 64 bits (a number
    /// nested deeper is not seen: then the pointer is the whole document's).
    static func unrepresentableNumber(in members: [(key: String, value: JSONScalar)]) -> FieldError {
        let culprit = members.first { member in
            guard case .number(let text) = member.value else { return false }
            guard text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return Int64(text) == nil }
            return Double(text).flatMap { Int64(exactly: $0) } == nil
        }
        return FieldError(
            pointer: culprit.map { pointer([JSONKey(stringValue: $0.key)]) } ?? "",
            detail: "is a number out of range, or not a whole number where one is expected")
    }

    private static func pointer(_ path: [any CodingKey]) -> String {
        path.map { key in
            let token = key.intValue.map(String.init) ?? key.stringValue
            return "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        }.joined()
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        default: "a value of the expected type"
        }
    }
}

/// A member name as a coding key, for a pointer built outside a decoder.
private struct JSONKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
