// The librarian's reading of a message: keywords, the text after them, and ordinals.
import Testing

@testable import Stacks

@Suite struct PhraseTests {
    @Test(
        "finds ordinals in words, digits and 'last'",
        arguments: [
            ("What was the first item?", 0), ("is the SECOND one available", 1), ("borrow the 3rd", 2), ("book number 4", 3),
            ("#5 please", 4), ("the last book you mentioned", -1), ("item 10", 9),
        ])
    func ordinals(message: String, expected: Int) {
        #expect(Phrase(message).ordinal == expected)
    }

    @Test("finds no ordinal where there is none", arguments: ["borrow it", "books by Fowler", "number", "#0"])
    func noOrdinal(message: String) {
        #expect(Phrase(message).ordinal == nil)
    }

    @Test("takes the words after a keyword, without filler")
    func after() {
        #expect(Phrase("Do you have books by Fowler, please?").after(["books by", "by"]) == "fowler")
        #expect(Phrase("Find books about domain design!").after(["about"]) == "domain design")
        #expect(Phrase("by").after(["by"]) == nil)
    }

    @Test("matches whole words only")
    func wholeWords() {
        #expect(Phrase("Is it available?").pointsAtFocus)
        #expect(!Phrase("Find books about items").pointsAtFocus)
        #expect(Phrase("Return it").startsWith("return"))
        #expect(!Phrase("returning soon").startsWith("return"))
    }
}
