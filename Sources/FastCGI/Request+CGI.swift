// CGI/FastCGI parameters → Request (RFC 3875 meta-variables). Shared by both adapters and by
// tests, which feed it plain dictionaries: the handler cannot tell who built its request.
import HTTP

/// Why CGI parameters make no request: the web server did not keep RFC 3875's contract.
public enum CGIError: Error, Equatable, CustomStringConvertible {
    /// `REQUEST_METHOD` is missing or empty; RFC 3875 §4.1.12 says the server must set it.
    case missingMethod

    /// The reason, for the log.
    public var description: String {
        switch self {
        case .missingMethod: "the web server sent no REQUEST_METHOD (RFC 3875 §4.1.12 requires it)"
        }
    }
}

extension Request {
    /// Builds a request from CGI meta-variables and the body bytes that were read. Without a
    /// method there is no request to answer (Go's `cgi.RequestFromMap` refuses it too), never a GET.
    public init(cgiParameters parameters: CGIParameters, body: [UInt8], contentLength: Int) throws(CGIError) {
        guard let method = parameters["REQUEST_METHOD"], !method.isEmpty else { throw .missingMethod }
        let uri = parameters["REQUEST_URI"] ?? ""
        let path: String
        // The '?' as a byte, as nginx splits it: as a Character it may be glued to the scalar before it.
        if let question = uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(uri[..<question])
        } else if !uri.isEmpty {
            path = uri
        } else {
            path = (parameters["SCRIPT_NAME"] ?? "") + (parameters["PATH_INFO"] ?? "")
        }
        self.init(
            method: Method(rawValue: method.uppercased()),
            path: path.isEmpty ? "/" : path,
            rawQuery: parameters["QUERY_STRING"] ?? "",
            headers: Self.headers(from: parameters),
            body: body,
            contentLength: contentLength,
            requestID: parameters["REQUEST_ID"] ?? parameters["HTTP_X_REQUEST_ID"] ?? "")
    }

    /// The declared body length (`CONTENT_LENGTH`), 0 when absent, nil when not a number.
    public static func declaredContentLength(_ parameters: CGIParameters) -> Int? {
        guard let text = parameters["CONTENT_LENGTH"], !text.isEmpty else { return 0 }
        guard let length = Int(text), length >= 0 else { return nil }
        return length
    }

    /// `HTTP_IF_NONE_MATCH` → `If-None-Match`, in the order sent (a repeated header stays
    /// repeated), plus `CONTENT_TYPE` and `CONTENT_LENGTH` when the server did not also pass them
    /// as `HTTP_` variables (nginx passes both; a plain CGI server only the unprefixed ones).
    private static func headers(from parameters: CGIParameters) -> Headers {
        var headers = Headers()
        for (name, value) in parameters.pairs where name.hasPrefix("HTTP_") {
            headers.add(headerName(String(name.dropFirst(5))), value)
        }
        for name in ["CONTENT_TYPE", "CONTENT_LENGTH"] {
            if let value = parameters[name], !value.isEmpty, parameters["HTTP_" + name] == nil {
                headers.add(headerName(name), value)
            }
        }
        return headers
    }

    /// `IF_NONE_MATCH` → `If-None-Match`: `_` becomes `-`, each word's first letter stays capital
    /// and the rest go lowercase (ASCII only; other bytes pass as they are).
    static func headerName(_ variable: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(variable.utf8.count)
        var wordStart = true
        for byte in variable.utf8 {
            if byte == UInt8(ascii: "_") {
                bytes.append(UInt8(ascii: "-"))
                wordStart = true
                continue
            }
            let isUpper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
            bytes.append(isUpper && !wordStart ? byte | 0x20 : byte)
            wordStart = false
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
