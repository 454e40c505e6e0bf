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
        #expect(Phrase("Do you have books by Fowler, please?").after(["books by", "by"]) == "fowler please")
        #expect(Librarian.searchTerms("fowler please") == "fowler")
        #expect(Librarian.searchTerms("machine learning any suggestions") == "machine learning")
        #expect(Librarian.searchTerms("dickens then") == "dickens")
        #expect(Librarian.searchTerms("robert c martin that is available") == "robert c martin")
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

    @Test(
        "corrects the librarian's own words and says so",
        arguments: [
            ("is teh second one availble", "is the second one available"), ("retrun it", "return it"),
            ("can i renw it", "can i renew it"), ("borow clean code", "borrow clean code"),
        ])
    func corrections(message: String, corrected: String) {
        #expect(Phrase(message).text == corrected)
        #expect(Phrase(message).corrected)
    }

    @Test("leaves ordinary words alone", arguments: ["borrow it for three weeks", "what looks good", "the queen", "thank you"])
    func noCorrections(message: String) {
        #expect(!Phrase(message).corrected, "\(Phrase(message).text)")
    }

    @Test(
        "reads loan periods",
        arguments: [
            ("for three weeks", 21), ("for 10 days", 10), ("for a week", 7), ("for another week", 7), ("for a month", 30),
            ("for two weeks please", 14), ("borrow it", nil), ("for 45 days", 45),
        ] as [(String, Int?)])
    func periods(message: String, days: Int?) {
        #expect(Phrase(message).period == days)
    }

    @Test(
        "tells yes from no from neither",
        arguments: [
            ("yes", true, false), ("yes please", true, false), ("go ahead", true, false), ("sure, do it", true, false),
            ("actually no, not yet", false, true), ("no thanks", false, true), ("never mind", false, true),
            ("ok thanks", false, false), ("yes but not now", false, false), ("yes, what's due soon?", false, false),
            ("books by fowler", false, false), ("ok", true, false),
        ])
    func yesOrNo(message: String, yes: Bool, no: Bool) {
        #expect(Phrase(message).saysYes == yes, "\(message)")
        #expect(Phrase(message).saysNo == no, "\(message)")
    }

    @Test(
        "one edit apart",
        arguments: [("dikens", "dickens", true), ("three", "there", true), ("abc", "abc", false), ("queen", "queue", false)])
    func oneEdit(a: String, b: String, expected: Bool) {
        #expect(a.isOneEditFrom(b) == expected)
    }
}
