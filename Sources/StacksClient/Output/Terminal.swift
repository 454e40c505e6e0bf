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

    /// A line read from standard input with echo off when it is a terminal; nil at end of input or
    /// on Ctrl-C. The terminal is switched to reading key by key (no echo, no signals) before the
    /// prompt shows, so nothing typed shows and Ctrl-C cannot leave the terminal without echo; its
    /// settings are put back before returning. Backspace and Ctrl-U edit the line.
    public func readSecret(prompt: String) -> String? {
        var saved = termios()
        guard inputIsTerminal, tcgetattr(STDIN_FILENO, &saved) == 0 else {
            FileHandle.standardError.write(Data(prompt.utf8))
            return readLine(strippingNewline: true)
        }
        var keys = saved
        keys.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG)
        withUnsafeMutableBytes(of: &keys.c_cc) { characters in
            characters[Int(VMIN)] = 1
            characters[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &keys)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        var line = SecretLine()
        var byte: UInt8 = 0
        while read(STDIN_FILENO, &byte, 1) == 1 {
            if let done = line.take(byte) { return done }
        }
        return line.bytes.isEmpty ? nil : String(decoding: line.bytes, as: UTF8.self)
    }
}

/// A secret typed key by key: the bytes so far, edited by backspace and Ctrl-U.
struct SecretLine {
    /// The line's bytes so far.
    private(set) var bytes: [UInt8] = []

    /// Takes one typed byte; returns the finished line (Enter), nil inside an optional for Ctrl-C
    /// or Ctrl-D on an empty line, or nil while the line goes on.
    mutating func take(_ byte: UInt8) -> String?? {
        switch byte {
        case 0x0A, 0x0D: return .some(String(decoding: bytes, as: UTF8.self))
        case 0x03: return .some(nil)
        case 0x04: return bytes.isEmpty ? .some(nil) : nil
        case 0x15: bytes.removeAll()
        case 0x7F, 0x08:
            // Remove the last character: its continuation bytes (10xxxxxx) and its first byte.
            while let last = bytes.popLast(), last & 0xC0 == 0x80 {}
        default: bytes.append(byte)
        }
        return nil
    }
}
