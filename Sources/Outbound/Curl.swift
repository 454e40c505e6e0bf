// Process-wide libcurl set-up. curl_global_init is not thread-safe, so the executable calls
// `Curl.initialize()` once from main before any thread sends; nothing here holds state.
import CCurl

/// Process-wide libcurl initialisation.
public enum Curl {
    /// Initialises libcurl (TLS included); returns false if it cannot be used.
    /// Call once from `main` before any `OutboundPost.send()`, as `Sodium.initialize()` is called.
    @discardableResult
    public static func initialize() -> Bool {
        curl_global_init(stacks_curl_global_default) == CURLE_OK
    }

    /// The libcurl version string (with its TLS library), for start-up logs.
    public static func version() -> String { String(cString: curl_version()) }
}
