// A tool call's arguments: one JSON object, read by name and type. Arguments that are not an
// object, or a value of the wrong type, end the model's turn (the librarian answers instead);
// unknown names are ignored, as small models add them.
import StacksWire

/// The arguments of one tool call.
struct ToolArguments {
    /// The tool they are for, for error messages.
    let tool: String
    private let members: [String: JSONValue]

    /// Parses the JSON text of a call's arguments ("" counts as no arguments).
    init(_ text: String, tool: String) throws(ModelFailure) {
        self.tool = tool
        if text.allSatisfy(\.isWhitespace) {
            members = [:]
            return
        }
        guard case .object(let members)? = JSONValue(json: text) else {
            throw .badArguments(tool: tool, reason: "the arguments are not a JSON object")
        }
        self.members = members
    }

    /// An integer argument (a JSON number without fraction); nil when absent or null.
    func integer(_ name: String) throws(ModelFailure) -> Int64? {
        switch members[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        case .number(let value)? where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        default: throw .badArguments(tool: tool, reason: "\(name) is not an integer")
        }
    }

    /// An integer argument that must be there.
    func requiredInteger(_ name: String) throws(ModelFailure) -> Int64 {
        guard let value = try integer(name) else { throw .badArguments(tool: tool, reason: "\(name) is missing") }
        return value
    }

    /// A string argument; nil when absent, null or blank.
    func string(_ name: String) throws(ModelFailure) -> String? {
        switch members[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value.allSatisfy(\.isWhitespace) ? nil : value
        default: throw .badArguments(tool: tool, reason: "\(name) is not a string")
        }
    }

    /// A boolean argument; nil when absent or null.
    func boolean(_ name: String) throws(ModelFailure) -> Bool? {
        switch members[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw .badArguments(tool: tool, reason: "\(name) is not a boolean")
        }
    }
}
