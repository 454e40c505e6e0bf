// Reads a request body of a declared length from any byte source, keeping it only if it fits
// the limit. A longer body is read and dropped only up to a bound past the limit, however long it
// claims to be: the application answers 413 from the declared length either way. Under FastCGI
// libfcgi then shuts down its side and discards what the web server still sends until it hangs
// up; under fcgiwrap, a body beyond the bound (and the pipe's buffer) makes fcgiwrap answer 502.
// nginx, whose limit is rendered from the same setting, never passes such a body on.

/// Body reading shared by the FastCGI and CGI adapters.
enum BodyReader {
    /// How far past the limit an oversized body is read and dropped before answering: the bound
    /// Go's net/http puts on an unread body (256 KiB). A body a little too long still ends cleanly
    /// in every mode; a `Content-Length` of gigabytes costs no more than this.
    static let drainLimit = 262_144

    /// Reads through `readChunk` (which returns bytes read, ≤ 0 at the end): all `declared` bytes
    /// when they fit `limit`, else at most `limit + drainLimit` of them, dropped.
    static func read(
        declared: Int, limit: Int, drainLimit: Int = BodyReader.drainLimit, _ readChunk: (UnsafeMutableRawBufferPointer) -> Int
    ) -> [UInt8] {
        let keep = declared <= limit
        var kept: [UInt8] = []
        var remaining = keep ? declared : min(declared, limit + drainLimit)
        var chunk = [UInt8](repeating: 0, count: 16384)
        while remaining > 0 {
            let got = chunk.withUnsafeMutableBytes {
                readChunk(UnsafeMutableRawBufferPointer(rebasing: $0[0..<min($0.count, remaining)]))
            }
            if got <= 0 { break }
            if keep { kept += chunk[0..<got] }
            remaining -= got
        }
        return kept
    }
}
