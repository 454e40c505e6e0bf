// A password typed key by key with echo off: Enter ends it, backspace removes a whole character
// (UTF-8 included), Ctrl-U clears the line, Ctrl-C cancels, Ctrl-D on an empty line is end of input.
import Testing

@testable import StacksClient

@Suite struct SecretLineTests {
    /// What typing `keys` gives: the finished line, nil for a cancel, or "unfinished".
    func typed(_ keys: [UInt8]) -> String? {
        var line = SecretLine()
        for key in keys {
            if let done = line.take(key) { return done }
        }
        return "unfinished"
    }

    @Test("ends the line at Enter, whether CR or LF")
    func enter() {
        #expect(typed(Array("horse\r".utf8)) == "horse")
        #expect(typed(Array("horse\n".utf8)) == "horse")
        #expect(typed(Array("hor".utf8)) == "unfinished")
    }

    @Test("removes a whole character on backspace and clears the line on Ctrl-U")
    func editing() {
        #expect(typed(Array("horsé".utf8) + [0x7F, 0x7F] + Array("e\n".utf8)) == "hore")
        #expect(typed(Array("wrong".utf8) + [0x15] + Array("right\n".utf8)) == "right")
        #expect(typed([0x08, 0x7F] + Array("x\n".utf8)) == "x")
    }

    @Test("cancels on Ctrl-C, and on Ctrl-D only when nothing was typed")
    func cancel() {
        #expect(typed(Array("abc".utf8) + [0x03]) == nil)
        #expect(typed([0x04]) == nil)
        #expect(typed(Array("ab".utf8) + [0x04] + Array("c\n".utf8)) == "abc")
    }
}
