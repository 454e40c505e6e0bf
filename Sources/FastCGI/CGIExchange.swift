// One exchange as both adapters run it: the parameters and the body that was read become a
// request, the application answers it, and the answer becomes CGI bytes. Parameters that make
// no request (no method) never reach the application: they are answered here.
import Glibc
import HTTP

/// The request–response step shared by the FastCGI loop and plain CGI.
enum CGIExchange {
    /// The CGI bytes answering one request. Parameters without a method make no request (RFC
    /// 3875 §4.1.12 requires one), so they get a 400 problem like any other request that cannot be
    /// read, written by `refuse` (the application's problem shape) with the request id; `log` gets
    /// an error line, since from nginx it would mean a broken configuration. `respond` is not called.
    static func bytes(
        for parameters: CGIParameters, body: [UInt8], contentLength: Int, _ respond: (Request) -> Response,
        refuse: (Problem, String) -> Response, log: (String) -> Void = CGIExchange.logToStandardError
    ) -> [UInt8] {
        let request: Request
        do {
            request = try Request(cgiParameters: parameters, body: body, contentLength: contentLength)
        } catch {
            let requestID = parameters["REQUEST_ID"] ?? parameters["HTTP_X_REQUEST_ID"] ?? ""
            log(
                "{\"error\":\(JSONText.quoted(error.description)),\"level\":\"error\",\"pid\":\(getpid()),"
                    + "\"request_id\":\(JSONText.quoted(requestID)),\"status\":400}")
            return refuse(Problem.badRequest("The request has no method."), requestID).cgiBytes()
        }
        return respond(request).cgiBytes(includeBody: request.method != .head)
    }

    /// Writes a line to stderr in one write(2), like the application's request log.
    static func logToStandardError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
