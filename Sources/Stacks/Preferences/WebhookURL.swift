// Where webhooks may go: http or https URLs only, and, unless STACKS_WEBHOOK_ALLOW_PRIVATE is on,
// only to hosts whose every address is public — never loopback, private, link-local or another
// special range, so that a member cannot point the job runner at the library's own network. This
// check answers a PATCH at once; the runner checks again before every attempt with libcurl's own
// URL parser and connects only to the addresses it checked (Outbound), which is what protects.
import Addresses

/// Checks of webhook URLs when a member saves one.
enum WebhookURL {
    /// The longest URL accepted.
    static let maxLength = 2000

    /// The host and port of an absolute http(s) URL without user information, white space or
    /// control characters; nil for anything else.
    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        let lower = text.lowercased()
        let (rest, defaultPort): (Substring, Int)
        if lower.hasPrefix("http://") {
            (rest, defaultPort) = (text.dropFirst(7), 80)
        } else if lower.hasPrefix("https://") {
            (rest, defaultPort) = (text.dropFirst(8), 443)
        } else {
            return nil
        }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" }) else { return nil }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return nil }
        var host = authority
        var port = defaultPort
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = number
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        return (host.lowercased(), port)
    }

    /// The URL as stored: its scheme in lower case (`HTTPS://` and `https://` are one scheme, and
    /// the database accepts only the lower-case form); the rest as given.
    static func canonical(_ text: String) -> String {
        let scheme = text.prefix { $0 != ":" }
        return scheme.lowercased() + text.dropFirst(scheme.count)
    }

    /// Why `text` is not a usable webhook URL by its form alone; nil when it is.
    static func formProblem(_ text: String) -> String? {
        guard text.utf8.count <= maxLength else { return "must be at most \(maxLength) characters" }
        guard hostAndPort(text) != nil else {
            return "must be an http or https URL with a host, without user name, password or spaces"
        }
        return nil
    }

    /// Why a delivery may not go to `text`; nil when every address its host resolves to is allowed.
    static func refusal(_ text: String, allowPrivate: Bool) -> String? {
        if let problem = formProblem(text) { return problem }
        guard let (host, port) = hostAndPort(text) else { return "is not a URL" }
        switch AddressResolver.resolve(host: host, port: port) {
        case .failure(let error):
            return "names a host that does not resolve (\(error))"
        case .success(let addresses):
            guard allowPrivate || addresses.allSatisfy(\.isPublic) else {
                let address = addresses.first { !$0.isPublic }.map(String.init(describing:)) ?? host
                return "leads to \(address), a loopback, private, link-local or reserved address, which is refused"
            }
            return nil
        }
    }
}
