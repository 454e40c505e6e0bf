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

@Suite struct PhraseIntentTests {
    static let returning = Librarian.returnVerbs

    // Regression: any message containing "bring back" or "give back", or starting with "return",
    // returned the member's loan, questions included.
    @Test(
        "reads questions as questions, which are never commands",
        arguments: [
            "when should i bring back the uml book?", "return policy?", "how do I return a book?", "When should I return it",
            "Can you return the uml book", "return it?", "is it due soon", "What's the return policy",
        ])
    func questions(message: String) {
        #expect(Phrase(message).isQuestion)
        #expect(Phrase(message).command(Self.returning) == nil)
    }

    @Test(
        "reads a command to return and the words after its verb",
        arguments: [
            ("return UML Distilled", "uml distilled"), ("I want to return the uml book", "the uml book"),
            ("please return it", "it"), ("Return", ""), ("Please, give back the first one.", "the first one"),
            ("OK, please bring it back", ""), ("I'd like to return #2", "#2"), ("return policy", "policy"),
        ])
    func commands(message: String, object: String) {
        #expect(!Phrase(message).isQuestion)
        #expect(Phrase(message).command(Self.returning) == object)
    }

    @Test(
        "reads a statement that mentions returning as no command",
        arguments: ["I'll bring back the uml book tomorrow", "I returned it yesterday", "returning soon", "my return is late"])
    func mentions(message: String) {
        #expect(!Phrase(message).isQuestion)
        #expect(Phrase(message).command(Self.returning) == nil)
    }

    @Test("reads borrowing the same way")
    func borrowing() {
        #expect(Phrase("can I borrow it?").command(Librarian.borrowVerbs) == nil)
        #expect(Phrase("Could you check out the second one for me").command(Librarian.borrowVerbs) == nil)
        #expect(Phrase("I want to borrow the second one").command(Librarian.borrowVerbs) == "the second one")
        #expect(Phrase("check out it").command(Librarian.borrowVerbs) == "it")
    }
}
