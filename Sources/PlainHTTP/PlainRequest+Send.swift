// Sending a request: resolve the host (the system resolver, before the deadline starts to bind),
// connect to its addresses in order until one accepts, send, and read the whole response, all
// before one deadline. One connection per exchange, closed when it ends, whatever happened.
import Addresses

extension PlainRequest {
    /// The most bytes a response may take by default: 4 MiB.
    public static let defaultResponseLimit = 4 << 20

    /// Sends the request and reads the response within `timeoutMilliseconds`.
    public func send(timeoutMilliseconds: Int, responseLimit: Int = defaultResponseLimit) throws(PlainHTTPError) -> PlainResponse
    {
        try send(deadline: Deadline(milliseconds: timeoutMilliseconds), responseLimit: responseLimit)
    }

    /// Sends the request and reads the response before `deadline`.
    public func send(deadline: Deadline, responseLimit: Int = defaultResponseLimit) throws(PlainHTTPError) -> PlainResponse {
        guard let bytes else { throw .badURL("a method, header name or value contains a line break or NUL") }
        let addresses: [IPAddress]
        switch AddressResolver.resolve(host: url.host, port: url.port) {
        case .success(let resolved): addresses = resolved
        case .failure(let error): throw .resolve(error.description)
        }
        let socket = try connect(addresses, deadline: deadline)
        try socket.send(bytes, deadline: deadline)
        var reader = ResponseReader(limit: responseLimit)
        while true {
            let received = try socket.receive(limit: 65_536, deadline: deadline)
            if received.isEmpty { return try reader.finish() }
            if let response = try reader.take(received) { return response }
        }
    }

    /// A connection to the first of `addresses` that accepts one.
    private func connect(_ addresses: [IPAddress], deadline: Deadline) throws(PlainHTTPError) -> Socket {
        var lastError = PlainHTTPError.connect("no address")
        for address in addresses {
            do {
                return try Socket.connect(to: address, port: url.port, deadline: deadline)
            } catch .timedOut(let phase) {
                throw .timedOut(phase: phase)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
