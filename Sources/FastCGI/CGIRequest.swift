// Plain CGI (e.g. under fcgiwrap): the one request is in the environment and on stdin, the
// response goes to stdout, and the process exits.
import Glibc
import HTTP

/// Answers a single CGI request.
public enum CGIRequest {
    /// Reads the request from the process environment (`environ`, repeats and raw bytes kept) and
    /// stdin, answers it, writes stdout.
    public static func serve(bodyLimit: Int, _ respond: (Request) -> Response, refuse: (Problem, String) -> Response) {
        let environment = CGIParameters(entries: environ)
        let declared = Request.declaredContentLength(environment)
        let kept = BodyReader.read(declared: declared ?? 0, limit: bodyLimit) { buffer in
            read(0, buffer.baseAddress, buffer.count)
        }
        let bytes = CGIExchange.bytes(
            for: environment, body: kept, contentLength: declared ?? -1, respond, refuse: refuse)
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if wrote <= 0 { break }
            offset += wrote
        }
    }
}
