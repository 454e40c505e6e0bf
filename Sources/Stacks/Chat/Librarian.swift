// The built-in assistant: deterministic rules over the message, grounded in the catalog and the
// caller's loans, holds and notices. References ("the second one", "it", "the last book you
// mentioned", "what did I ask first?") are resolved from the stored history and the metadata of
// earlier replies. Only an explicit command naming or pointing at a book changes a loan or a hold
// (Librarian+Actions.swift); a request that is not explicit is confirmed first, and a question
// about it is answered. What the rules do not understand gets "I didn't understand", never a guess.
import StacksWire

/// The rule-based librarian.
struct Librarian: Assistant {
    /// How many books a list shows at once.
    static let listLength = 5

    /// Whether the message answers the previous reply's question ("Shall I return “UML
    /// Distilled”?" → "yes" or "no"). Such a turn is always the librarian's to settle, whatever
    /// backend proposed the action, so an action is carried out only by this code.
    static func settlesPending(_ context: ConversationContext) -> Bool {
        History(context.history, count: context.messageCount).pending != nil && Phrase(context.message).answersYesOrNo
    }

    func reply(to context: ConversationContext, tools: LibraryTools) throws -> Reply {
        let text = Phrase(context.message)
        let history = History(context.history, count: context.messageCount)
        if let pending = history.pending, text.answersYesOrNo {
            return text.saysYes ? try perform(pending, tools) : declined(pending, tools)
        }
        if let reply = try conversation(text, history) { return reply }
        if let reply = try command(text, history, tools) { return reply }
        if text.asksForSearch, let reply = try search(text, tools) { return reply }
        if let reply = try account(text, history, tools) { return reply }
        if let reply = try aboutBooks(text, history, tools) { return reply }
        if let reply = try search(text, tools) { return reply }
        if history.references(text), let book = try history.book(for: text, tools) { return describe(book, text) }
        if let reply = try bareName(text, tools) { return reply }
        return help(history.references(text) && history.latestItems == nil)
    }

    // MARK: what kind of message

    /// Greetings, thanks, and questions about the conversation itself.
    private func conversation(_ text: Phrase, _ history: History) throws -> Reply? {
        if text.has("ask first") || text.has("first question") || text.has("asked first") || text.has("asked you first") {
            return firstQuestion(history)
        }
        if text.has("how many messages") { return count(history) }
        let words = text.words(removing: ["librarian", "there", "again", "so", "much", "very", "a", "lot", "you", "for", "that"])
        let sentence = words.joined(separator: " ")
        let closing =
            text.mentions(["thanks", "thank", "cheers", "bye", "goodbye"]) && words.allSatisfy(Self.closingWords.contains)
        if Self.thanks.contains(sentence) || closing {
            return Reply(text: "You're welcome! Anything else I can find for you?", meta: ReplyMeta(intent: .greeting))
        }
        if Self.greetings.contains(sentence) {
            return Reply(
                text: "Hello! I can find books, tell you whether they are available, and borrow, return or renew them for you. "
                    + "What are you looking for?",
                meta: ReplyMeta(intent: .greeting))
        }
        if Self.farewells.contains(sentence) {
            return Reply(text: "Goodbye, and happy reading!", meta: ReplyMeta(intent: .greeting))
        }
        if text.mentions(["what can you do", "what can i ask", "what do you do", "how does this work", "help", "help me"])
            && !text.mentions(Self.returnVerbs + Self.borrowVerbs + Self.renewVerbs)
        {
            return Reply(
                text: Self.capabilities, meta: ReplyMeta(intent: .help))
        }
        if text.mentions(["who are you", "your name", "are you a bot", "are you human", "are you a robot", "are you real"]) {
            return Reply(
                text: "I am the library's assistant: I search the catalog and look after your loans, holds and notices.",
                meta: ReplyMeta(intent: .greeting))
        }
        if let topic = Self.offTopic.first(where: text.has) {
            return Reply(
                text: "Sorry, I can only help with the library, so I cannot help with that. I could look for books about "
                    + "it, though: say “books about \(topic)”.",
                meta: ReplyMeta(intent: .greeting))
        }
        return nil
    }

    static let thanks: Set<String> = [
        "thanks", "thank", "thank you", "thanks you", "cheers", "great thanks", "ok thanks", "okay thanks", "perfect thanks",
        "nice thanks", "cool thanks", "brilliant thanks", "awesome thanks", "thanks a", "many thanks", "ta", "cool", "great",
        "awesome", "perfect", "nice", "brilliant", "ok", "okay", "thanks anyway", "ok thank", "great thank", "lovely",
    ]
    /// Words of a closing message ("thanks, that's all for now", "great, thank you, bye").
    static let closingWords: Set<String> = [
        "thanks", "thank", "cheers", "bye", "goodbye", "that's", "all", "it", "is", "now", "ok", "okay", "great", "perfect",
        "helpful", "was", "nice", "cool", "lovely", "brilliant", "awesome", "really", "many", "good", "see", "later",
        "night", "have", "day", "today", "be", "all", "i", "need", "needed", "just", "what", "wanted", "very", "much",
        "then", "and", "bye", "that", "so", "will", "do", "done", "excellent", "fine",
    ]
    static let greetings: Set<String> = [
        "hi", "hello", "hey", "good morning", "good afternoon", "good evening", "hiya", "howdy", "hi how are", "hello how are",
        "how are", "greetings", "yo", "hey how are",
    ]
    /// Subjects a patron may raise that the library's assistant does not answer (but has books on).
    static let offTopic = [
        "weather", "joke", "jokes", "football", "soccer", "politics", "recipe", "stock market", "lottery", "song", "sing",
        "poem", "your favourite", "your favorite", "meaning of life", "time is it", "what day is it", "dinner", "movie",
        "film",
    ]
    static let farewells: Set<String> = ["bye", "goodbye", "see", "see later", "good night", "bye bye", "that's all"]

    /// An explicit command: borrow, return, renew, hold, cancel a hold.
    private func command(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply? {
        if let object = text.command(Self.cancelHoldVerbs) { return try cancelHold(object, text, history, tools, explicit: true) }
        if let object = text.command(Self.holdVerbs) { return try hold(object, text, history, tools, explicit: true) }
        if text.command(["more", "show more", "show me more", "next", "more please", "any more", "what else"]) != nil {
            return try more(history, tools)
        }
        if let object = text.command(Self.renewVerbs) { return try renew(object, text, history, tools, explicit: true) }
        if let object = text.command(Self.borrowVerbs) { return try borrow(object, text, history, tools, explicit: true) }
        if let object = text.command(Self.returnVerbs) { return try giveBack(object, text, history, tools, explicit: true) }
        return nil
    }

    /// The member's own account: notices, holds, due dates, renewals, loans, returns.
    private func account(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply? {
        if text.mentions(["news", "notices", "notice", "notifications", "anything new", "what's new", "updates", "alerts"]) {
            return try notices(tools)
        }
        if text.politeRequest(Self.cancelHoldVerbs) {
            return try cancelHold(text.after(Self.cancelHoldVerbs) ?? "", text, history, tools, explicit: false)
        }
        if text.mentions(["queue", "my holds", "my hold", "holds", "reservations", "my reservation", "waiting list", "in line"])
            && !text.mentions(Self.holdVerbs)
        {
            return try holds(text, history, tools)
        }
        if text.mentions(["due soon", "due this week", "due shortly", "coming due", "due next"]) { return try dueSoon(tools) }
        if text.mentions(["overdue", "late"]) && !text.mentions(["return it late", "return late", "bring it back late"]) {
            return try overdue(tools)
        }
        if text.politeRequest(Self.renewVerbs)
            || text.mentions(["renew", "renewal", "renewing", "extend", "extension", "longer"])
        {
            return try renew(text.after(Self.renewVerbs) ?? "", text, history, tools, explicit: false)
        }
        if text.mentions(Self.loanListPhrases) { return try loans(tools) }
        if text.mentions(["due", "due back", "due date", "owe", "owe back", "deadline", "deadlines"]) {
            return try dueDates(text, history, tools)
        }
        if text.politeRequest(Self.returnVerbs) || text.mentions(Self.finishedPhrases) {
            return try giveBack(text.after(Self.returnVerbs + Self.finishedPhrases) ?? "", text, history, tools, explicit: false)
        }
        if text.mentions(Self.returnVerbs + ["returns", "returned", "returning"])
            || (text.mentions(["bring", "give", "hand", "drop", "take"]) && text.has("back"))
        {
            return try returning(text, history, tools)
        }
        return nil
    }

    /// Books: borrowing, holds, availability and details of a book named or referred to.
    private func aboutBooks(_ text: Phrase, _ history: History, _ tools: LibraryTools) throws -> Reply? {
        if text.politeRequest(Self.borrowVerbs) || text.mentions(Self.takingPhrases)
            || (text.isQuestion && text.mentions(Self.borrowVerbs + ["borrowing", "checkout", "lend me", "take it home"]))
        {
            return try borrow(text.after(Self.borrowVerbs + Self.takingPhrases) ?? "", text, history, tools, explicit: false)
        }
        if text.mentions(Self.holdVerbs + ["hold", "reservation"]) {
            return try hold(text.after(Self.holdVerbs) ?? "", text, history, tools, explicit: false)
        }
        if text.mentions(Self.availabilityPhrases) || Self.haveYouGot.contains(where: text.startsWith) {
            return try availability(text, history, tools)
        }
        if text.mentions(Self.detailPhrases) || (history.references(text) && text.words(removing: Self.detailFiller).isEmpty) {
            let named = try namedBook(text, Self.detailFiller, tools)
            if let book = try named.book ?? history.book(for: text, tools) ?? history.focus.flatMap(tools.book(id:)) {
                return describe(book, text)
            }
            if history.references(text) { return unresolved(history) }
        }
        return nil
    }

    static let loanListPhrases = [
        "what have i borrowed", "my loans", "what do i have", "on loan to me", "what have i got out", "what have i got",
        "what i have out", "what books do i have", "books do i have", "checked out", "what have i checked out", "i have out",
        "do i have out", "my books", "my borrowed books", "my current loans", "what am i borrowing", "i've borrowed",
        "i have borrowed", "what's out", "books i have", "list my loans", "show my loans",
    ]
    static let finishedPhrases = [
        "done with", "finished with", "finished reading", "i've finished", "i have finished", "i finished", "done reading",
        "no longer need", "don't need", "do not need",
    ]
    static let takingPhrases = [
        "i'll take", "i will take", "i want that", "i want this", "i'd like that", "i'd like this", "i'll have",
        "i'd like to read", "i want to read", "sounds good i'll", "let me have", "give me", "i want", "i'd like",
        "i would like", "i'll go with", "i'll go for",
    ]
    static let availabilityPhrases = [
        "available", "availability", "in stock", "on the shelf", "in the library", "can i get", "any copies", "free copy",
        "copies left", "is it in", "is it out", "all out", "on loan",
    ]
    static let haveYouGot = ["have you got", "do you have", "have you", "do you stock", "got any", "is there", "do you carry"]
    static let detailPhrases = [
        "who wrote", "who is the author", "who's the author", "author of", "what year", "when was", "published", "isbn",
        "tell me about", "tell me more", "more about", "what is it about", "details", "what was", "which is",
        "the last book you mentioned", "what's it called", "title of", "written",
    ]
    static let detailFiller = [
        "who", "wrote", "is", "the", "author", "of", "what", "year", "when", "was", "published", "isbn", "tell", "me", "about",
        "more", "details", "it", "that", "this", "one", "book", "a", "an", "which", "called", "title", "you", "mentioned",
        "last", "first", "second", "third", "fourth", "fifth", "item", "number", "what's", "s", "written", "in", "by",
        "and", "please", "'s", "whats", "on", "there", "its", "it's", "who's", "what's", "whose", "so", "then", "ok",
    ]

    // MARK: the conversation itself

    private func firstQuestion(_ history: History) -> Reply {
        guard let first = history.messages.first(where: { $0.role == .user }) else {
            return Reply(text: "This is the first thing you have asked me.", meta: ReplyMeta(intent: .history))
        }
        let quoted =
            first.content.unicodeScalars.count > 300
            ? String(String.UnicodeScalarView(first.content.unicodeScalars.prefix(300))) + "…" : first.content
        return Reply(text: "You first asked: “\(quoted)”", meta: ReplyMeta(intent: .history))
    }

    private func count(_ history: History) -> Reply {
        let n = history.count
        return Reply(
            text: "Before this message, this conversation had \(n) message\(n == 1 ? "" : "s").",
            meta: ReplyMeta(intent: .history))
    }

    func unresolved(_ history: History) -> Reply {
        Reply(
            text: history.latestItems == nil
                ? "Which book do you mean? Ask me to find some first, for example “books by Fowler”, or name the title."
                : "Which book do you mean? Say “the first one”, “the second one” or “it”, or name the title.",
            meta: ReplyMeta(intent: .help))
    }

    func help(_ referenced: Bool) -> Reply {
        Reply(
            text: (referenced
                ? "I have not listed any books yet, so I cannot tell which one you mean. " : "I did not understand that. ")
                + Self.capabilities,
            meta: ReplyMeta(intent: .help))
    }

    /// What a patron can ask, with examples.
    static let capabilities =
        "You can ask me to find books (“books by Fowler”, “something on machine learning”), tell you about one "
        + "(“is the second one available?”, “who wrote it?”), borrow, return or renew (“borrow the first one”, "
        + "“return it”, “renew it for a week”), place or cancel a hold (“place a hold on it”), show your loans, "
        + "holds and notices (“what have I got out?”, “when is it due?”, “where am I in the queue?”, “any news?”) "
        + "and recall the conversation (“what did I ask first?”)."

    static func title(_ book: Book) -> String { "“\(book.title)” by \(book.author) (\(book.year))" }
}
