// Reads a request body of a declared length from any byte source, keeping it only if it fits
// the limit. An oversized body is still drained, so the web server never sees a reset socket.

/// Body reading shared by the FastCGI and CGI adapters.
enum BodyReader {
    /// Reads `declared` bytes through `readChunk` (which returns bytes read, ≤ 0 at the end).
    static func read(declared: Int, limit: Int, _ readChunk: (UnsafeMutableRawBufferPointer) -> Int) -> [UInt8] {
        var kept: [UInt8] = []
        var remaining = declared
        var chunk = [UInt8](repeating: 0, count: 16384)
        while remaining > 0 {
            let got = chunk.withUnsafeMutableBytes {
                readChunk(UnsafeMutableRawBufferPointer(rebasing: $0[0..<min($0.count, remaining)]))
            }
            if got <= 0 { break }
            if declared <= limit { kept += chunk[0..<got] }
            remaining -= got
        }
        return kept
    }
}
