// One synchronous HTTP POST to a webhook receiver through libcurl: no redirects, no proxies, no
// Expect: 100-continue, a hard timeout, and (when pinned) connections only to already-checked addresses.
import Addresses
import CCurl

/// One POST to a webhook receiver.
public struct OutboundPost: Sendable {
    /// The receiver's http or https URL.
    public let url: String
    /// When non-empty, the only addresses the connection may go to (the ones the caller resolved and checked).
    public let pinnedAddresses: [IPAddress]
    /// Request headers, in order (give Content-Type: curl would otherwise say form-urlencoded);
    /// names and values must not contain CR, LF or NUL.
    public let headers: [(name: String, value: String)]
    /// The request body, sent as is.
    public let body: [UInt8]
    /// The limit for the whole exchange, connecting included (at least 1 ms; there is no "no limit").
    public let timeoutMilliseconds: Int

    /// The User-Agent sent unless `headers` has one.
    public static let userAgent = "Stacks-Webhooks/1"

    /// A POST of `body` to `url` with `headers`, within `timeoutMilliseconds`.
    public init(
        url: String, pinnedAddresses: [IPAddress], headers: [(name: String, value: String)], body: [UInt8],
        timeoutMilliseconds: Int
    ) {
        self.url = url
        self.pinnedAddresses = pinnedAddresses
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Sends the POST and waits for the response head and body (or the timeout). Never throws:
    /// every failure, including a refused URL, is a result with `error` set.
    public func send() -> OutboundResult {
        let clock = ContinuousClock()
        let start = clock.now
        let elapsed = { () -> Int in
            let duration = clock.now - start
            return Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        }
        let target: OutboundURL
        do { target = try OutboundURL(url) } catch { return .failure(error.description, milliseconds: elapsed()) }
        if let bad = headers.first(where: { Self.isUnsafe($0.name) || Self.isUnsafe($0.value) || $0.name.isEmpty }) {
            return .failure("the header \(bad.name) is empty or contains a line break", milliseconds: elapsed())
        }
        let context = TransferContext(pinned: Set(pinnedAddresses))
        return withExtendedLifetime(context) {
            guard let handle = curl_easy_init() else {
                return .failure("could not create a curl handle", milliseconds: elapsed())
            }
            defer { curl_easy_cleanup(handle) }
            let headerList = Self.headerList(headers)
            defer { curl_slist_free_all(headerList) }
            let resolveList = Self.resolveList(target, pinnedAddresses)
            defer { curl_slist_free_all(resolveList) }

            var options = EasyOptions(handle: handle)
            options.configure(post: self, url: target, context: context)
            options.set(CURLOPT_HTTPHEADER, headerList)
            options.set(CURLOPT_RESOLVE, resolveList)
            if let failure = options.failure {
                return .failure("curl refused an option: \(failure)", milliseconds: elapsed())
            }
            let code = curl_easy_perform(handle)
            var status = 0
            _ = stacks_curl_get_response_code(handle, &status)
            let error =
                code == CURLE_OK
                ? nil : Self.describe(code, url: target, handle: handle, context: context, timeout: max(1, timeoutMilliseconds))
            return OutboundResult(
                status: status > 0 ? status : nil, error: error, milliseconds: elapsed(),
                responseSnippet: String(decoding: context.snippet, as: UTF8.self))
        }
    }

    private static func isUnsafe(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0d || $0 == 0x0a || $0 == 0 }
    }

    /// The request headers, plus an empty `Expect:` so curl never waits for 100-continue.
    private static func headerList(_ headers: [(name: String, value: String)]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in headers { list = curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)") }
        return curl_slist_append(list, "Expect:")
    }

    /// The CURLOPT_RESOLVE entry `host:port:addr1,[v6addr]` that pins a named host to the checked addresses.
    private static func resolveList(_ url: OutboundURL, _ pinned: [IPAddress]) -> UnsafeMutablePointer<curl_slist>? {
        guard !pinned.isEmpty, url.hostAddress == nil else { return nil }
        let addresses = pinned.map(\.bracketed).joined(separator: ",")
        return curl_slist_append(nil, "\(url.host):\(url.port):\(addresses)")
    }
}
