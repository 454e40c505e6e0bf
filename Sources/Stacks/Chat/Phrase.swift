// A member's message prepared for the librarian's rules: lower case, punctuation as spaces,
// with helpers for keyword tests, the text after a keyword, ordinals ("second", "3rd", "#3"), and
// the difference between a question ("when is it due?") and a command ("return it").

/// A normalised message.
struct Phrase {
    /// Lower-case words separated by single spaces.
    let text: String
    /// Whether the message asks rather than tells: it ends with "?" or opens with a question word
    /// ("when should I bring it back", "can I borrow it"). A question is answered, never carried out.
    let isQuestion: Bool

    /// Normalises a message.
    init(_ message: String) {
        let mapped = message.lowercased().map { $0.isLetter || $0.isNumber || $0 == "#" || $0 == "'" ? $0 : " " }
        text = String(mapped).split(separator: " ").joined(separator: " ")
        let opening = text.split(separator: " ").first.map(String.init) ?? ""
        isQuestion = message.last(where: { !$0.isWhitespace }) == "?" || Self.questionWords.contains(opening)
    }

    /// Words that open a question.
    static let questionWords: Set<String> = [
        "when", "how", "what", "what's", "why", "where", "which", "who", "whose", "can", "could", "may", "might", "should",
        "shall", "will", "would", "must", "do", "does", "did", "is", "are", "am", "was", "were", "have", "has", "had",
        "can't", "cannot", "won't", "don't", "doesn't", "isn't", "aren't", "shouldn't", "wouldn't", "couldn't",
    ]

    /// Polite openings before a command's verb ("please return it", "I want to return it").
    static let commandOpenings = [
        "please", "ok", "okay", "yes", "now", "then", "so", "and", "kindly", "i want to", "i'd like to", "i would like to",
        "i wish to", "i need to", "let me", "i'd like you to", "i want you to", "go ahead and",
    ]

    /// The words after the verb when the message is a command opening with one of `verbs` (after
    /// polite openings): "" when the verb stands alone, nil for a question or any other message.
    /// "return it" and "I want to return the uml book" are commands; "return policy?" and "when
    /// should I bring back the uml book?" are questions; "I'll bring it back" is neither.
    func command(_ verbs: [String]) -> String? {
        guard !isQuestion else { return nil }
        var rest = Substring(text)
        var opened = true
        while opened {
            opened = false
            for opening in Self.commandOpenings where rest.hasPrefix(opening + " ") {
                rest = rest.dropFirst(opening.count + 1)
                opened = true
            }
        }
        for verb in verbs where rest == verb || rest.hasPrefix(verb + " ") {
            return String(rest.dropFirst(verb.count).drop { $0 == " " })
        }
        return nil
    }

    private var padded: String { " \(text) " }

    /// Whether the words appear as whole words.
    func has(_ words: String) -> Bool { padded.contains(" \(words) ") }

    /// Whether any of the words appear as whole words.
    func mentions(_ words: [String]) -> Bool { words.contains { has($0) } }

    /// Whether the message asks for a catalog search ("books by Fowler", "find …"), which wins
    /// over the other words in it ("books about the return of the king").
    var asksForSearch: Bool {
        mentions(["books by", "written by", "anything by", "books about", "books on", "search for", "looking for"])
            || startsWith("find")
    }

    /// Whether the message starts with the word.
    func startsWith(_ word: String) -> Bool { text == word || text.hasPrefix(word + " ") }

    /// The words after the first keyword found (checked in order), without filler; nil if none or empty.
    func after(_ keywords: [String]) -> String? {
        for keyword in keywords {
            guard let range = padded.range(of: " \(keyword) ") else { continue }
            let rest = padded[range.upperBound...].split(separator: " ")
                .filter { !["please", "thanks", "thank", "you"].contains($0) }.joined(separator: " ")
            if !rest.isEmpty { return rest }
        }
        return nil
    }

    static let ordinals: [(word: String, index: Int)] = [
        ("first", 0), ("second", 1), ("third", 2), ("fourth", 3), ("fifth", 4), ("sixth", 5), ("seventh", 6), ("eighth", 7),
        ("ninth", 8), ("tenth", 9), ("1st", 0), ("2nd", 1), ("3rd", 2), ("4th", 3), ("5th", 4),
    ]

    /// The position a message points at: an index from 0, or -1 for "last"; nil when there is none.
    var ordinal: Int? {
        if has("last") { return -1 }
        if let match = Self.ordinals.first(where: { has($0.word) }) { return match.index }
        let words = text.split(separator: " ")
        for (index, word) in words.enumerated() {
            if word.hasPrefix("#"), let n = Int(word.dropFirst()), n >= 1 { return n - 1 }
            if ["number", "item", "book", "no"].contains(word), index + 1 < words.count, let n = Int(words[index + 1]), n >= 1 {
                return n - 1
            }
        }
        return nil
    }

    /// The ordinal word used, for echoing it back ("first", "last").
    var ordinalWord: String? {
        if has("last") { return "last" }
        return Self.ordinals.first { has($0.word) }.map(\.word)
    }

    /// Whether the message is a plain yes or no ("yes please", "go ahead", "no thanks", "never mind").
    var answersYesOrNo: Bool { saysYes || saysNo }

    /// Whether the message agrees.
    var saysYes: Bool {
        Self.yes.contains(text) || Self.yes.contains { text.hasPrefix($0 + " ") && text.count < $0.count + 20 }
    }

    /// Whether the message declines.
    var saysNo: Bool {
        Self.no.contains(text) || Self.no.contains { text.hasPrefix($0 + " ") && text.count < $0.count + 20 }
    }

    static let yes: Set<String> = [
        "yes", "yes please", "yeah", "yep", "yup", "sure", "ok", "okay", "go ahead", "do it", "please do", "confirm",
        "y", "absolutely", "of course", "please", "yes do", "correct", "that's right", "right",
    ]
    static let no: Set<String> = [
        "no", "nope", "no thanks", "no thank you", "never mind", "nevermind", "cancel", "don't", "do not", "n", "stop",
        "not now", "forget it",
    ]

    /// Whether the message points at the book under discussion ("it", "that one", "this book").
    var pointsAtFocus: Bool {
        ["it", "that", "this", "that one", "this one", "that book", "this book", "the book"].contains { has($0) }
    }
}
