// A member's message prepared for the librarian's rules: lower case, punctuation as spaces,
// with helpers for keyword tests, the text after a keyword, and ordinals ("second", "3rd", "#3").

/// A normalised message.
struct Phrase {
    /// Lower-case words separated by single spaces.
    let text: String

    /// Normalises a message.
    init(_ message: String) {
        let mapped = message.lowercased().map { $0.isLetter || $0.isNumber || $0 == "#" || $0 == "'" ? $0 : " " }
        text = String(mapped).split(separator: " ").joined(separator: " ")
    }

    private var padded: String { " \(text) " }

    /// Whether the words appear as whole words.
    func has(_ words: String) -> Bool { padded.contains(" \(words) ") }

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

    /// Whether the message points at the book under discussion ("it", "that one", "this book").
    var pointsAtFocus: Bool {
        ["it", "that", "this", "that one", "this one", "that book", "this book", "the book"].contains { has($0) }
    }
}
