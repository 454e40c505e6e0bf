// Everything that ends a command early, typed once, with the exit code each maps to: 1 for an
// API problem, 2 for a usage error, 3 when the server cannot be reached. `CLI` prints it as one
// line on stderr.

/// Why a command failed.
public enum ClientError: Error, Equatable, Sendable {
    /// The command line is wrong (exit 2).
    case usage(String)
    /// The server answered with a problem: its detail and status (exit 1).
    case problem(detail: String, status: Int)
    /// No answer from the server: refused, unresolvable, timed out (exit 3).
    case unreachable(String)
    /// Something on this side failed: the credentials file, the terminal (exit 1).
    case local(String)

    /// The process's exit code for this error.
    public var exitCode: Int32 {
        switch self {
        case .usage: 2
        case .problem, .local: 1
        case .unreachable: 3
        }
    }

    /// The one line printed on stderr.
    public var line: String {
        switch self {
        case .usage(let text): "error: \(text)"
        case .problem(let detail, let status): "error: \(detail) (\(status))"
        case .unreachable(let text): "error: cannot reach the server: \(text)"
        case .local(let text): "error: \(text)"
        }
    }
}
