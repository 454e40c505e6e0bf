// What the client asks of the terminal: whether a stream is one, how wide it is (TIOCGWINSZ, else
// COLUMNS, else 80), and a line read with echo off (termios) for a password.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's terminal, as far as the client needs one.
public struct Terminal: Sendable {
    /// The environment, for COLUMNS.
    public let environment: [String: String]

    /// A terminal view of this process with `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Whether standard output is a terminal.
    public var outputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether standard error is a terminal.
    public var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether standard input is a terminal.
    public var inputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The width tables are laid out for: the terminal's columns, else `COLUMNS`, else 80.
    public var width: Int {
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return Self.width(columns: environment["COLUMNS"])
    }

    /// The width a `COLUMNS` value gives: its number when it is one from 20 to 1000, else 80.
    public static func width(columns: String?) -> Int {
        guard let columns, let number = Int(columns.trimmingCharacters(in: .whitespaces)), (20...1000).contains(number)
        else { return 80 }
        return number
    }

    /// A line read from standard input with echo off when it is a terminal (the prompt goes to
    /// stderr once echo is off, so that nothing typed after it shows); nil at end of input.
    public func readSecret(prompt: String) -> String? {
        var saved = termios()
        guard inputIsTerminal, tcgetattr(STDIN_FILENO, &saved) == 0 else {
            FileHandle.standardError.write(Data(prompt.utf8))
            return readLine(strippingNewline: true)
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine(strippingNewline: true)
    }
}
