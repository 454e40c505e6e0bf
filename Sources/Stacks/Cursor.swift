// The opaque keyset cursor: the sort-key values of the last row of a page, plus the sort
// and a fingerprint of the filters it belongs to, as URL-safe Base64 of JSON.
import Crypto
import Foundation

/// A position in an ordered result set.
package struct Cursor: Sendable, Equatable, Codable {
    /// The sort spec the values follow, e.g. `title,-year,id`.
    package let sort: String
    /// A short hash of the filters.
    package let filter: String
    /// The last row's value for each sort key, as text.
    package let values: [String]

    /// Makes a cursor after a row.
    package init(sort: String, filterFingerprint: String, values: [String]) {
        self.sort = sort
        self.filter = Self.hash(filterFingerprint)
        self.values = values
    }

    /// Decodes a token; nil for anything that is not a cursor.
    package init?(token: String) {
        guard token.count <= 4096, let bytes = Base64URL.decode(token),
            let cursor = try? JSONDecoder().decode(Cursor.self, from: Data(bytes))
        else { return nil }
        self = cursor
    }

    /// The opaque text form.
    package var token: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Base64URL.encode(Array((try? encoder.encode(self)) ?? Data()))
    }

    /// Whether the cursor was made for this sort spec and these filters.
    package func matches(sort spec: String, filter fingerprint: String) -> Bool {
        sort == spec && filter == Self.hash(fingerprint)
    }

    private static func hash(_ text: String) -> String { String(SHA256.hex(text).prefix(16)) }
}
