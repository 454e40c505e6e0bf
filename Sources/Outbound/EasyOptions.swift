// The curl_easy_setopt calls for one webhook POST, through the shim's non-variadic wrappers, and the
// translation of a failed transfer into one sentence. The first option curl refuses is remembered.
import CCurl
import Glibc

/// Sets options on one easy handle and remembers the first one curl refused.
struct EasyOptions {
    /// The easy handle being configured.
    let handle: UnsafeMutableRawPointer
    /// curl's text for the first refused option, if any.
    private(set) var failure: String?

    init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    /// Every option of a webhook POST except the header and resolve lists.
    mutating func configure(post: OutboundPost, url: OutboundURL, context: TransferContext) {
        record(stacks_curl_set_string(handle, CURLOPT_URL, url.text))
        record(stacks_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        let timeout = max(1, post.timeoutMilliseconds)  // to curl, 0 would mean "wait forever"
        record(stacks_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeout))
        record(stacks_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout))
        record(stacks_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        record(stacks_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        record(stacks_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        record(stacks_curl_set_string(handle, CURLOPT_PROXY, ""))
        record(stacks_curl_set_string(handle, CURLOPT_NOPROXY, "*"))
        record(stacks_curl_set_string(handle, CURLOPT_USERAGENT, OutboundPost.userAgent))
        record(stacks_curl_set_long(handle, CURLOPT_POST, 1))
        // curl copies the body (COPYPOSTFIELDS), so no pointer into `post.body` outlives this call.
        record(stacks_curl_set_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, post.body.count))
        if !post.body.isEmpty {
            let code = post.body.withUnsafeBytes { bytes in
                stacks_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
            record(code)
        }
        record(stacks_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, context.errorBuffer))
        record(stacks_curl_set_write_function(handle, TransferContext.collectBody))
        record(stacks_curl_set_pointer(handle, CURLOPT_WRITEDATA, context.pointer))
        if !post.pinnedAddresses.isEmpty {
            record(stacks_curl_set_opensocket_function(handle, TransferContext.openPinnedSocket))
            record(stacks_curl_set_pointer(handle, CURLOPT_OPENSOCKETDATA, context.pointer))
        }
    }

    /// Sets a list option; the list must outlive the transfer.
    mutating func set(_ option: CURLoption, _ list: UnsafeMutablePointer<curl_slist>?) {
        if let list { record(stacks_curl_set_slist(handle, option, list)) }
    }

    private mutating func record(_ code: CURLcode) {
        if code != CURLE_OK && failure == nil { failure = String(cString: curl_easy_strerror(code)) }
    }
}

extension OutboundPost {
    /// One sentence for a failed transfer: the timeout in our words, a pinning refusal, else curl's detail.
    static func describe(
        _ code: CURLcode, url: OutboundURL, handle: UnsafeMutableRawPointer, context: TransferContext, timeout: Int
    ) -> String {
        if code == CURLE_OPERATION_TIMEDOUT { return "timed out after \(timeout) ms" }
        if let refused = context.refusedAddress {
            return "refused to connect to \(refused): not one of the pinned addresses"
        }
        if code == CURLE_COULDNT_CONNECT {
            var number = 0
            _ = stacks_curl_get_os_errno(handle, &number)
            if number == Int(ECONNREFUSED) { return "connection refused" }
        }
        if code == CURLE_COULDNT_RESOLVE_HOST { return "could not resolve host \(url.host)" }
        let summary = String(cString: curl_easy_strerror(code))
        return context.errorText.map { "\(summary): \($0)" } ?? summary
    }
}
