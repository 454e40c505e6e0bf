// The FastCGI loop: one request at a time from the listening socket at fd 0, until a stop signal
// (SIGTERM, SIGINT, or multiwatch's SIGUSR1) or the request budget is spent. Connections come from
// Listener, with their timeouts; libfcgi reads and writes their records.
import CFastCGI
import Glibc
import HTTP

/// Serves requests from the FastCGI socket a supervisor handed over as fd 0.
public struct FastCGIWorker {
    /// The most body bytes kept; a longer body is drained and dropped.
    public let bodyLimit: Int
    /// Requests to serve before exiting (0 = no limit).
    public let maxRequests: Int
    /// How long one read or write on a connection may wait for the web server, in milliseconds.
    public let timeoutMS: Int

    /// Makes a worker loop with its limits.
    public init(bodyLimit: Int, maxRequests: Int, timeoutMS: Int) {
        self.bodyLimit = bodyLimit
        self.maxRequests = maxRequests
        self.timeoutMS = timeoutMS
    }

    /// Whether fd 0 is not a FastCGI socket, i.e. the process was started as plain CGI (asks libfcgi each time).
    public static func startedAsCGI() -> Bool { FCGX_IsCGI() != 0 }

    /// Runs the accept loop, answering each request with `respond`, and returns when it should stop.
    public func run(_ respond: (Request) -> Response, refuse: (Problem, String) -> Response) {
        guard FCGX_Init() == 0 else { return }
        var request = FCGX_Request()
        // libfcgi is given no listening socket (-1), only each connection the listener accepted
        // (its ipcFd, marked to be kept so that FCGX_Accept_r's opening finish does not close
        // it). When libfcgi drops a connection whose records are broken, its own accept of -1
        // fails with EBADF and the loop accepts the next connection itself, with the timeouts.
        guard FCGX_InitRequest(&request, -1, 0) == 0 else { return }
        let listener = Listener(descriptor: 0, timeoutMS: timeoutMS)
        // The stop signals are held all along but inside the listener's wait, so no read or
        // write of a request is cut short by EINTR; one that arrives meanwhile ends the loop
        // once the response is out.
        var stopSignals = Signals.stopSet()
        var waitingMask = sigset_t()
        sigprocmask(SIG_BLOCK, &stopSignals, &waitingMask)
        var served = 0
        while true {
            if request.ipcFd < 0 {
                guard let connection = listener.next(waitingMask: waitingMask) else { break }
                request.ipcFd = connection
                request.keepConnection = 1
            }
            let accepted = FCGX_Accept_r(&request)
            if accepted == -EBADF { continue }
            guard accepted >= 0 else { break }
            // libfcgi takes a PARAMS stream that failed (the peer hung up or stalled past the
            // timeout, or sent a record out of place) for a whole one: such a request is never
            // served, lest a cut-off header list pass as complete; its connection is dropped.
            if FCGX_GetError(request.in) != 0 {
                FCGX_Free(&request, 1)
                continue
            }
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
        }
        FCGX_Free(&request, 1)
        sigprocmask(SIG_SETMASK, &waitingMask, nil)
    }
}
