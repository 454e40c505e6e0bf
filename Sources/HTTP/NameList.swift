// Names quoted for a problem's detail, bounded: a request with 60,000 unknown fields gets an
// error of a few hundred bytes, not one that echoes the whole request back.

/// Quotes names for messages.
public enum NameList {
    /// The first `limit` names, each quoted and cut to `maxLength` characters, then "and N more".
    public static func quoted(_ names: [String], limit: Int = 5, maxLength: Int = 40) -> String {
        let shown = names.prefix(limit).map { name -> String in
            let scalars = name.unicodeScalars
            let cut = scalars.count > maxLength ? String(String.UnicodeScalarView(scalars.prefix(maxLength))) + "…" : name
            return "'\(cut)'"
        }
        let rest = names.count - shown.count
        return shown.joined(separator: ", ") + (rest > 0 ? " and \(rest) more" : "")
    }
}
