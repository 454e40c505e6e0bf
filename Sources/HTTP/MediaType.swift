// Media types as RFC 9110 §8.3.1 writes them: `type/subtype` then optional `; name=value`
// parameters, compared without regard to case. `application/jsonfoo` is not `application/json`.

/// Reads `Content-Type` values.
public enum MediaType {
    /// The `type/subtype` of a media type, lower case, without parameters or surrounding spaces.
    public static func essence(of value: String) -> String {
        let head = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return head.trimmingOptionalWhitespace.lowercased()
    }
}
