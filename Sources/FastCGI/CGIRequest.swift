// Plain CGI (e.g. under fcgiwrap): the one request is in the environment and on stdin, the
// response goes to stdout, and the process exits.
import Glibc
import HTTP

/// Answers a single CGI request.
public enum CGIRequest {
    /// Reads the request from `environment` and stdin, answers it, writes stdout.
    public static func serve(environment: [String: String], bodyLimit: Int, _ respond: (Request) -> Response) {
        let declared = Request.declaredContentLength(environment)
        var kept: [UInt8] = []
        var remaining = declared ?? 0
        var chunk = [UInt8](repeating: 0, count: 16384)
        while remaining > 0 {
            let got = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, min($0.count, remaining)) }
            if got <= 0 { break }
            if (declared ?? 0) <= bodyLimit { kept += chunk[0..<got] }
            remaining -= got
        }
        let request = Request(cgiParameters: environment, body: kept, contentLength: declared ?? -1)
        let bytes = respond(request).cgiBytes(includeBody: request.method != "HEAD")
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if wrote <= 0 { break }
            offset += wrote
        }
    }
}
