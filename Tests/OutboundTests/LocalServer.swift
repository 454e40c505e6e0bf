// A one-connection HTTP server on 127.0.0.1 for the outbound tests: it records the raw request it
// receives and answers with canned bytes, or holds the connection open without answering.
import Foundation
import Glibc

/// Listens on an ephemeral loopback port and serves exactly one connection on its own thread.
final class LocalServer: @unchecked Sendable {
    /// The port it listens on.
    let port: Int
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)
    /// Written by the server thread only before `finished` is signalled; read only after waiting on it.
    private var received: [UInt8] = []

    /// Starts listening; `reply` is sent after the whole request arrived, or nil to never answer.
    init(reply: [UInt8]?) throws {
        let (socket, port) = try Self.listen()
        listener = socket
        self.port = port
        Thread.detachNewThread { [self] in serve(reply) }
    }

    /// The request as received (head and body), once the connection is over; nil if none came within 5 s.
    func request() -> ReceivedRequest? {
        guard finished.wait(timeout: .now() + 5) == .success else { return nil }
        return ReceivedRequest(raw: received)
    }

    /// A port on 127.0.0.1 that nothing listens on.
    static func closedPort() throws -> Int {
        let (socket, port) = try listen()
        close(socket)
        return port
    }

    /// A complete HTTP/1.1 response that closes the connection.
    static func response(status: Int, reason: String, headers: [String] = [], body: String = "") -> [UInt8] {
        let head = ["HTTP/1.1 \(status) \(reason)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers
        return Array((head.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    private func serve(_ reply: [UInt8]?) {
        defer { finished.signal() }  // runs last, after both sockets are closed
        defer { close(listener) }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !ReceivedRequest.isComplete(received) {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        if let reply {
            _ = reply.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        } else {
            while read(connection, &buffer, buffer.count) > 0 {}  // until the client gives up
        }
    }

    private static func listen() throws -> (Int32, Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socket, raw, length) == 0 && Glibc.listen(socket, 4) == 0 && getsockname(socket, raw, &length) == 0
            }
        }
        guard socket >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }
}
