// `stacks notices` (the inbox) and `stacks prefs [KEY=VALUE…]` (show the preferences, or change
// them with a JSON merge patch built from the arguments).
import Foundation
import StacksWire

/// The inbox and preference commands.
enum NoticeCommands {
    /// `stacks notices`.
    static let notices = Command(
        CommandSpec(
            "notices", options: [.flag("--unread", "only notices not read yet")] + Context.listOptions,
            "List your notices, newest first.")
    ) { (context: inout Context) throws(ClientError) in
        let query = context.invocation.has("--unread") ? [URLQueryItem(name: "unread", value: "true")] : []
        try await context.list(
            Listing(path: "/api/notices", query: query, noun: "notices", columns: columns) { notice in
                [
                    notice.text("id"), notice.text("kind"), notice.text("message"), notice.time("created_at"),
                    notice.time("read_at"),
                ]
            })
    }

    /// `stacks prefs [KEY=VALUE…]`.
    static let prefs = Command(
        CommandSpec(
            "prefs", "[KEY=VALUE…]", positionals: 0...20,
            "Show your preferences, or change some: default_loan_days=21 notices.due_soon_days=3 channels=inbox,webhook webhook_url=null."
        )
    ) { (context: inout Context) throws(ClientError) in
        let preferences: JSONValue
        if context.invocation.positionals.isEmpty {
            preferences = try await context.data(.get("/api/preferences"))
        } else {
            let patch = try PreferencePatch.parse(context.invocation.positionals)
            preferences = try await context.data(
                APICall("PATCH", "/api/preferences", body: JSONText.encode(patch), contentType: "application/merge-patch+json"))
        }
        context.show(preferences) { FieldList($0.flattened()).render(width: context.width) }
    }

    /// The columns of the inbox.
    static let columns = [
        Column("ID", alignRight: true), Column("KIND"), Column("MESSAGE", flexible: true), Column("SENT"), Column("READ"),
    ]
}

/// Builds a JSON merge patch from `KEY=VALUE` arguments.
public enum PreferencePatch {
    /// The patch `arguments` ask for: dotted keys make nested objects; a value that reads as JSON
    /// (a number, true, false, null, a list, an object) is that value, `channels` also takes a
    /// comma list, anything else is a string.
    public static func parse(_ arguments: [String]) throws(ClientError) -> JSONValue {
        var patch: [String: JSONValue] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw .usage("a preference is KEY=VALUE, not '\(argument)'")
            }
            let path = argument[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.contains(where: \.isEmpty) else { throw .usage("'\(argument[..<equals])' is not a preference name") }
            set(value(String(argument[argument.index(after: equals)...]), for: path.last!), at: path[...], in: &patch)
        }
        return .object(patch)
    }

    private static func value(_ text: String, for key: String) -> JSONValue {
        if let json = JSONValue(json: text) { return json }
        if key == "channels" {
            return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        }
        return .string(text)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in object: inout [String: JSONValue]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var inner: [String: JSONValue] = [:]
        if case .object(let existing)? = object[first] { inner = existing }
        set(value, at: path.dropFirst(), in: &inner)
        object[first] = .object(inner)
    }
}
