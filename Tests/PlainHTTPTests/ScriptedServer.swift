// A one-connection HTTP server on 127.0.0.1 for the client tests: it records the raw request, then
// answers with a script of byte pieces (each after an optional pause) and closes the connection,
// or holds it open until the client gives up.
import Foundation
import Glibc

/// Listens on an ephemeral loopback port and serves exactly one connection on its own thread.
final class ScriptedServer: @unchecked Sendable {
    /// One step of an answer: pause, then send bytes.
    struct Piece: Sendable {
        let pause: Double
        let bytes: [UInt8]
        init(_ text: String, after pause: Double = 0) {
            self.pause = pause
            bytes = Array(text.utf8)
        }
        init(bytes: [UInt8], after pause: Double = 0) {
            self.pause = pause
            self.bytes = bytes
        }
    }

    /// The port it listens on.
    let port: Int
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)
    /// Written by the server thread only before `finished` is signalled; read only after waiting on it.
    private var received: [UInt8] = []

    /// Starts listening; after the whole request arrived it sends `pieces` and closes, or with
    /// `holdOpen` keeps the connection until the client closes it.
    init(_ pieces: [Piece], holdOpen: Bool = false) throws {
        let (socket, port) = try Self.listen()
        listener = socket
        self.port = port
        Thread.detachNewThread { [self] in serve(pieces, holdOpen: holdOpen) }
    }

    /// The request as received, once the connection is over; nil if none came within 5 s.
    func request() -> String? {
        guard finished.wait(timeout: .now() + 5) == .success else { return nil }
        return String(decoding: received, as: UTF8.self)
    }

    /// A port on 127.0.0.1 that nothing listens on.
    static func closedPort() throws -> Int {
        let (socket, port) = try listen()
        close(socket)
        return port
    }

    private func serve(_ pieces: [Piece], holdOpen: Bool) {
        defer { finished.signal() }
        defer { close(listener) }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !Self.isComplete(received) {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        for piece in pieces {
            if piece.pause > 0 { Thread.sleep(forTimeInterval: piece.pause) }
            let sent = piece.bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 { return }
        }
        if holdOpen {
            while read(connection, &buffer, buffer.count) > 0 {}
        }
    }

    /// Whether `raw` holds a head and as many body bytes as its Content-Length says.
    private static func isComplete(_ raw: [UInt8]) -> Bool {
        let text = String(decoding: raw, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return raw.count - text[..<end.upperBound].utf8.count >= length
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
