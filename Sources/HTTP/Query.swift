// Query-string parameters: parsed strictly (bad escapes, repeats and unknown names are 400),
// read with a `get`/`require` pair whose failures are 400 problems naming the parameter.

/// The decoded parameters of a query string.
public struct Query: Sendable, Equatable {
    /// Parameter names and values in order.
    public let items: [(name: String, value: String)]

    /// Parses `a=1&b=two`; `+` is a space; a repeated or badly escaped parameter is a 400 problem.
    /// `&` and `=` are delimiters as bytes (RFC 3986), not as Characters: a scalar that joins the
    /// next one into its grapheme (U+0603, a combining mark before it) must not hide a delimiter.
    public init(parsing raw: String) throws(Problem) {
        var items: [(name: String, value: String)] = []
        for part in raw.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map(Substring.init) {
            let pieces = part.utf8.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                .map(Substring.init)
            guard let name = PercentDecoding.decode(pieces[0], plusIsSpace: true), !name.isEmpty,
                let value = PercentDecoding.decode(pieces.count > 1 ? pieces[1] : "", plusIsSpace: true)
            else {
                throw Problem.badRequest("The query string is not correctly percent-encoded.")
            }
            if items.contains(where: { $0.name == name }) {
                throw Problem.badRequest("The query parameter \(NameList.quoted([name])) appears more than once.")
            }
            items.append((name: name, value: value))
        }
        self.items = items
    }

    /// Rejects any parameter whose name is not in `allowed` with a 400 problem.
    public func allowOnly(_ allowed: Set<String>) throws(Problem) {
        let unknown = items.map(\.name).filter { !allowed.contains($0) }
        guard unknown.isEmpty else {
            let known = allowed.sorted().joined(separator: ", ")
            let detail =
                unknown.count == 1
                ? "Unknown query parameter \(NameList.quoted(unknown))."
                : "Unknown query parameters: \(NameList.quoted(unknown))."
            throw Problem.badRequest(detail + (known.isEmpty ? " This endpoint takes none." : " Known: \(known)."))
        }
    }

    /// The value of a parameter, if present.
    public func get(_ name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    /// The value of a parameter; a missing one is a 400 problem.
    public func require(_ name: String) throws(Problem) -> String {
        guard let value = get(name) else {
            throw Problem.badRequest("The query parameter '\(name)' is required.")
        }
        return value
    }

    /// An integer parameter within `range`, if present; anything else is a 400 problem.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(Problem) -> Int? {
        guard let text = get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Problem.badRequest(
                "The query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// A parameter naming one case of `type` by its raw value, if present; anything else is a 400
    /// problem that lists the cases.
    public func oneOf<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type) throws(Problem) -> Value?
    where Value.RawValue == String {
        guard let text = get(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem.badRequest("The query parameter '\(name)' must be one of \(names).")
        }
        return value
    }

    /// A `true`/`false` parameter, if present; anything else is a 400 problem.
    public func boolean(_ name: String) throws(Problem) -> Bool? {
        guard let text = get(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw Problem.badRequest("The query parameter '\(name)' must be 'true' or 'false'.")
        }
    }

    /// Equal when the same names and values come in the same order.
    public static func == (lhs: Query, rhs: Query) -> Bool {
        lhs.items.elementsEqual(rhs.items) { $0.name == $1.name && $0.value == $1.value }
    }
}
