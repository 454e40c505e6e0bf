// Where a command's output goes: results on stdout, progress and errors on stderr, green and red
// only on a terminal and only without NO_COLOR. A progress line rewrites itself on a terminal and
// is one line per step elsewhere.
import Foundation

/// The client's two output streams.
public struct Console: Sendable {
    /// The terminal behind the streams.
    public let terminal: Terminal

    /// A console on this process's stdout and stderr.
    public init(terminal: Terminal) {
        self.terminal = terminal
    }

    /// Writes `text` and a newline to stdout.
    public func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes `text` to stdout as it is (a prompt).
    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` and a newline to stderr.
    public func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Writes `text` to stderr without a newline (a prompt).
    public func noteInline(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Shows the progress of a long walk on stderr: rewritten in place on a terminal.
    public func progress(_ text: String) {
        if terminal.errorIsTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            note(text)
        }
    }

    /// Ends a progress line begun with `progress(_:)`.
    public func endProgress() {
        if terminal.errorIsTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `text` in green on a colour terminal (stdout).
    public func green(_ text: String) -> String { paint(text, "32") }

    /// `text` in red on a colour terminal (stdout).
    public func red(_ text: String) -> String { paint(text, "31") }

    private func paint(_ text: String, _ code: String) -> String {
        guard terminal.outputIsTerminal, terminal.environment["NO_COLOR"] == nil else { return text }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
