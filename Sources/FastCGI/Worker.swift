// The FastCGI accept loop: one request at a time on the listening socket at fd 0, until
// SIGTERM (accept then returns a negative code) or the request budget is spent.
import CFastCGI
import Glibc
import HTTP

/// Serves requests from the FastCGI socket a supervisor handed over as fd 0.
public struct FastCGIWorker {
    /// The most body bytes kept; a longer body is drained and dropped.
    public let bodyLimit: Int
    /// Requests to serve before exiting (0 = no limit).
    public let maxRequests: Int

    /// Makes a worker loop with its limits.
    public init(bodyLimit: Int, maxRequests: Int) {
        self.bodyLimit = bodyLimit
        self.maxRequests = maxRequests
    }

    /// Whether fd 0 is not a FastCGI socket, i.e. the process was started as plain CGI (asks libfcgi each time).
    public static func startedAsCGI() -> Bool { FCGX_IsCGI() != 0 }

    /// Runs the accept loop, answering each request with `respond`, and returns when it should stop.
    public func run(_ respond: (Request) -> Response, refuse: (Problem, String) -> Response) {
        guard FCGX_Init() == 0 else { return }
        var request = FCGX_Request()
        guard FCGX_InitRequest(&request, 0, Int32(FCGI_FAIL_ACCEPT_ON_INTR)) == 0 else { return }
        var served = 0
        // While a request is in hand the stop signals wait, so no read or write of it is cut
        // short by EINTR; one that arrived meanwhile ends the loop once the response is out.
        var stopSignals = Signals.stopSet()
        while FCGX_Accept_r(&request) >= 0 {
            sigprocmask(SIG_BLOCK, &stopSignals, nil)
            let parameters = CGIParameters(entries: request.envp)
            let declared = Request.declaredContentLength(parameters)
            let body = BodyReader.read(declared: declared ?? 0, limit: bodyLimit) { buffer in
                Int(FCGX_GetStr(buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count), request.in))
            }
            let bytes = CGIExchange.bytes(
                for: parameters, body: body, contentLength: declared ?? -1, respond, refuse: refuse)
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    _ = FCGX_PutStr($0.baseAddress, Int32($0.count), request.out)
                }
            }
            FCGX_Finish_r(&request)
            served += 1
            if maxRequests > 0 && served >= maxRequests { break }
            if Signals.stopPending() { break }
            sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
        }
        FCGX_Free(&request, 1)
    }
}
