// A member's message prepared for the librarian's rules: lower case, punctuation as spaces, common
// misspellings of the librarian's own words corrected ("availble", "teh", "retrun"), with helpers
// for keyword tests, the words after a keyword, ordinals ("second", "3rd", "#3"), loan periods
// ("for three weeks"), yes and no, and the difference between a question ("when is it due?") and
// a command ("return it").

/// A normalised message.
struct Phrase {
    /// Lower-case words separated by single spaces, misspelt keywords corrected.
    let text: String
    /// Whether the message asks rather than tells: it ends with "?" or opens with a question word
    /// ("when should I bring it back", "can I borrow it"). A question is answered, never carried out.
    let isQuestion: Bool
    /// Whether a word of the message was corrected. A command whose words were guessed is
    /// confirmed before it is carried out.
    let corrected: Bool

    /// Normalises a message.
    init(_ message: String) {
        let mapped = message.lowercased().map { character -> Character in
            character == "’"
                ? "'" : character.isLetter || character.isNumber || character == "#" || character == "'" ? character : " "
        }
        var corrected = false
        let words = String(mapped).split(separator: " ").flatMap { raw -> [String] in
            let word = raw.trimming("'")
            guard !word.isEmpty else { return [] }
            if let fixed = Self.spelling[word] {
                corrected = true
                return fixed.split(separator: " ").map(String.init)
            }
            if word.count >= 5, !Self.vocabulary.contains(word), let fixed = Self.vocabulary.first(where: word.isOneEditFrom) {
                corrected = true
                return [fixed]
            }
            return [word]
        }
        text = words.joined(separator: " ")
        self.corrected = corrected
        let opening = words.first ?? ""
        isQuestion = message.last(where: { !$0.isWhitespace }) == "?" || Self.questionWords.contains(opening)
    }

    /// Misspellings and shorthand too short to correct by edit distance.
    static let spelling: [String: String] = [
        "teh": "the", "hte": "the", "th": "the", "waht": "what", "whta": "what", "wht": "what", "wat": "what", "adn": "and",
        "taht": "that", "thsi": "this", "si": "is", "ti": "it", "abotu": "about", "boks": "books", "bok": "book",
        "plz": "please", "pls": "please", "thx": "thanks", "ty": "thanks", "u": "you", "ur": "your", "r": "are",
        "wanna": "want to", "gimme": "give me", "que": "queue", "queu": "queue", "renw": "renew", "rnew": "renew",
        "borow": "borrow", "brrow": "borrow", "barrow": "borrow", "retrn": "return", "retun": "return", "retrun": "return",
        "reutrn": "return", "avail": "available", "whats": "what's", "im": "i'm", "ive": "i've", "dont": "don't",
        "cant": "can't", "id": "i'd", "ill": "i'll", "isnt": "isn't", "hw": "how", "hwo": "how", "wen": "when",
        "whn": "when", "whe": "when", "dose": "does", "hav": "have", "hve": "have", "u're": "you're", "thnx": "thanks",
        "thanx": "thanks", "nxt": "next", "bk": "book", "bks": "books",
    ]

    /// The librarian's own words, to which a word of five letters or more one edit away is
    /// corrected (the first in this order, so every process corrects alike).
    static let vocabulary: [String] = [
        "available", "availability", "borrow", "borrowed", "borrowing", "return", "returned", "returning", "renew",
        "renewal", "renewed", "reserve", "reservation", "reservations", "notices", "notifications", "overdue", "queue",
        "waiting", "cancel", "author", "written", "recommend", "suggestions", "suggest", "anything", "something", "please",
        "thanks", "thank", "mentioned", "second", "checkout", "extend", "position", "library",
    ]

    /// Words that open a question.
    static let questionWords: Set<String> = [
        "when", "how", "what", "what's", "why", "where", "which", "who", "whose", "can", "could", "may", "might", "should",
        "shall", "will", "would", "must", "do", "does", "did", "is", "are", "am", "was", "were", "have", "has", "had",
        "can't", "cannot", "won't", "don't", "doesn't", "isn't", "aren't", "shouldn't", "wouldn't", "couldn't", "any",
        "anything",
    ]

    /// Polite openings before a command's verb ("please return it", "I want to return it").
    static let commandOpenings = [
        "please", "ok", "okay", "yes", "now", "then", "so", "and", "kindly", "i want to", "i'd like to", "i would like to",
        "i wish to", "i need to", "let me", "i'd like you to", "i want you to", "go ahead and", "could you please",
        "can you please", "hi", "hello", "also", "just", "i'll", "i will",
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
        // "I'll return it tomorrow" announces, it does not ask.
        if text.hasPrefix("i'll ") || text.hasPrefix("i will ") { return nil }
        for verb in verbs where rest == verb || rest.hasPrefix(verb + " ") {
            return String(rest.dropFirst(verb.count).drop { $0 == " " })
        }
        return nil
    }

    /// Whether the message asks someone to do it, politely, as a question: "can you return it?",
    /// "could you renew the uml book?" — a request that is confirmed before it is carried out.
    func politeRequest(_ verbs: [String]) -> Bool {
        ["can you", "could you", "would you", "will you", "please can you", "can you please", "could you please"].contains {
            opening in verbs.contains { startsWith(opening + " " + $0) }
        }
    }

    private var padded: String { " \(text) " }

    /// Whether the words appear as whole words.
    func has(_ words: String) -> Bool { Self.has(text, [words]) }

    /// Whether any of the words appear as whole words.
    func mentions(_ words: [String]) -> Bool { words.contains { has($0) } }

    /// Whether the message asks for a catalog search ("books by Fowler", "find …"), which wins
    /// over the other words in it ("books about the return of the king").
    var asksForSearch: Bool {
        mentions(Self.authorKeywords + Self.topicKeywords) || startsWith("find") || startsWith("search")
            || startsWith("recommend")
    }

    /// Keywords before an author's name.
    static let authorKeywords = [
        "books by", "book by", "written by", "anything by", "something by", "stuff by", "works by", "novels by",
        "anything else by", "titles by", "more by", "anything from", "books from",
    ]

    /// Keywords before a subject.
    static let topicKeywords = [
        "books about", "books on", "book about", "book on", "search for", "looking for", "anything about", "anything on",
        "something about", "something on", "stuff on", "stuff about", "recommend", "suggest", "interested in",
        "something to read on", "something to read about", "reading on", "books related to", "titles on", "titles about",
        "novels about",
    ]

    /// Whether the message starts with the words.
    func startsWith(_ words: String) -> Bool { text == words || text.hasPrefix(words + " ") }

    /// The words after the first keyword found (checked in order); nil if none or empty.
    func after(_ keywords: [String]) -> String? {
        for keyword in keywords {
            guard let range = padded.range(of: " \(keyword) ") else { continue }
            let rest = padded[range.upperBound...].trimming(" ")
            if !rest.isEmpty { return rest }
        }
        return nil
    }

    /// The message's words without the given phrases: at each word, the longest phrase that
    /// starts there is skipped. One pass over the words, whatever the number of phrases.
    func words(removing phrases: [String]) -> [String] {
        let words = text.split(separator: " ")
        var single = Set<Substring>()
        var multiple: [[Substring]] = []
        for phrase in phrases {
            let parts = phrase.split(separator: " ")
            if parts.count == 1 { single.insert(parts[0]) } else if parts.count > 1 { multiple.append(parts) }
        }
        multiple.sort { $0.count > $1.count }
        var kept: [String] = []
        var index = 0
        while index < words.count {
            if let phrase = multiple.first(where: { words[index...].starts(with: $0) }) {
                index += phrase.count
            } else {
                if !single.contains(words[index]) { kept.append(String(words[index])) }
                index += 1
            }
        }
        return kept
    }

    static let ordinals: [(word: String, index: Int)] = [
        ("first", 0), ("second", 1), ("third", 2), ("fourth", 3), ("fifth", 4), ("sixth", 5), ("seventh", 6), ("eighth", 7),
        ("ninth", 8), ("tenth", 9), ("1st", 0), ("2nd", 1), ("3rd", 2), ("4th", 3), ("5th", 4), ("6th", 5), ("7th", 6),
        ("8th", 7), ("9th", 8), ("10th", 9),
    ]

    /// The position a message points at: an index from 0, or -1 for "last"; nil when there is none.
    var ordinal: Int? {
        if has("last") || has("last one") { return -1 }
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

    /// Whether the message points at the book under discussion ("it", "that one", "this book").
    var pointsAtFocus: Bool {
        ["it", "that", "this", "that one", "this one", "that book", "this book", "the book", "that title", "them"].contains {
            has($0)
        }
    }

    /// A loan period the message asks for, in days ("for 10 days", "for three weeks", "for a
    /// month", "for another week"), or nil.
    var period: Int? {
        let words = text.split(separator: " ").map(String.init)
        for (index, word) in words.enumerated() {
            let unit: Int
            switch word {
            case "day", "days": unit = 1
            case "week", "weeks": unit = 7
            case "fortnight", "fortnights": unit = 14
            case "month", "months": unit = 30
            default: continue
            }
            guard index > 0 else { continue }
            let before = words[index - 1]
            if let n = Int(before) ?? Self.numbers[before] { return n * unit }
            if ["a", "an", "another", "one", "extra", "more", "additional"].contains(before) { return unit }
        }
        return nil
    }

    static let numbers: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "sixty": 60, "couple": 2, "few": 3,
    ]

    /// Whether the message agrees, and nothing else: "yes", "yes please", "go ahead", "sure, do it".
    var saysYes: Bool {
        let answer = withoutInterjection
        guard !isQuestion || Self.yes.contains(answer),
            !Phrase.has(answer, ["no", "not", "don't", "wait", "thanks", "thank", "later", "but"])
        else { return false }
        return Self.yes.contains(answer)
            || ["yes", "yeah", "yep", "sure", "go ahead", "please do", "confirm", "do it"].contains {
                (answer == $0 || answer.hasPrefix($0 + " ")) && answer.split(separator: " ").count <= 5
            }
    }

    /// Whether the message declines: "no", "no thanks", "never mind", "actually no, not yet".
    var saysNo: Bool {
        let answer = withoutInterjection
        return Self.no.contains(answer)
            || ["no", "nope", "never mind", "don't", "do not", "not now", "not yet", "cancel that", "leave it"].contains {
                (answer == $0 || answer.hasPrefix($0 + " ")) && answer.split(separator: " ").count <= 6
            }
    }

    /// The message without an opening interjection ("actually no", "oh yes", "hmm, go ahead").
    private var withoutInterjection: String {
        for opening in ["on second thought", "on second thoughts", "actually", "oh", "hmm", "um", "erm", "well", "ah", "ok so"]
        where text.hasPrefix(opening + " ") {
            return String(text.dropFirst(opening.count + 1))
        }
        return text
    }

    /// Whether any of `words` appears in `text` as whole words.
    private static func has(_ text: String, _ words: [String]) -> Bool {
        words.contains { " \(text) ".contains(" \($0) ") }
    }

    /// Whether the message is a plain yes or no.
    var answersYesOrNo: Bool { saysYes || saysNo }

    static let yes: Set<String> = [
        "yes", "yes please", "yeah", "yep", "yup", "sure", "ok", "okay", "go ahead", "do it", "please do", "confirm", "y",
        "absolutely", "of course", "yes do", "correct", "that's right", "ok do it", "okay do it", "ok go ahead",
        "okay go ahead", "yes go ahead", "sounds good", "perfect", "great do it", "ok please", "okay please", "sure thing",
    ]
    static let no: Set<String> = [
        "no", "nope", "no thanks", "no thank you", "never mind", "nevermind", "cancel", "don't", "do not", "n", "stop",
        "not now", "forget it", "cancel that", "leave it", "no don't",
    ]
}

extension StringProtocol {
    /// The text without `character` at either end.
    fileprivate func trimming(_ character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

extension String {
    /// Whether one insertion, deletion, substitution or swap of neighbours turns this into `other`.
    func isOneEditFrom(_ other: String) -> Bool {
        // Most pairs differ in length by more than one: told apart before any copying.
        guard abs(count - other.count) <= 1 else { return false }
        let a = Array(self)
        let b = Array(other)
        guard abs(a.count - b.count) <= 1, a != b else { return false }
        var i = 0
        while i < min(a.count, b.count) && a[i] == b[i] { i += 1 }
        if a.count == b.count {
            if a[(i + 1)...] == b[(i + 1)...] { return true }
            return i + 1 < a.count && a[i] == b[i + 1] && a[i + 1] == b[i] && a[(i + 2)...] == b[(i + 2)...]
        }
        return a.count > b.count ? a[(i + 1)...] == b[i...] : a[i...] == b[(i + 1)...]
    }
}
