// A non-blocking TCP socket with one owner (closed in deinit): connect, send and receive, each
// waiting with poll(2) for no longer than the deadline leaves. Sends use MSG_NOSIGNAL, so a peer
// that hung up is an error here, never a SIGPIPE that ends the worker; EINTR (a SIGTERM asking the
// worker to finish its request) just waits again.
import Addresses
import Glibc

/// A connected TCP socket.
final class Socket {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// A connection to `address`:`port`, made before `deadline`.
    static func connect(to address: IPAddress, port: Int, deadline: Deadline) throws(PlainHTTPError) -> Socket {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let descriptor = socket(
            family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .io("socket: \(errorText())") }
        let socket = Socket(descriptor: descriptor)
        let started = address.withSocketAddress(port: port) { pointer, length in Glibc.connect(descriptor, pointer, length) }
        if started != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw .connect("\(address): \(errorText())") }
            guard try socket.wait(for: Int16(POLLOUT), deadline: deadline) else { throw .timedOut(phase: "connecting") }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 else {
                throw .connect("\(address): \(errorText())")
            }
            guard failure == 0 else { throw .connect("\(address): \(String(cString: strerror(failure)))") }
        }
        return socket
    }

    /// Sends every byte before `deadline`.
    func send(_ bytes: [UInt8], deadline: Deadline) throws(PlainHTTPError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                guard try wait(for: Int16(POLLOUT), deadline: deadline) else { throw .timedOut(phase: "sending the request") }
            } else {
                throw .io("send: \(errorText())")
            }
        }
    }

    /// Receives up to `limit` bytes before `deadline`; an empty array means the peer closed.
    func receive(limit: Int, deadline: Deadline) throws(PlainHTTPError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress, raw.count, 0) }
            if count >= 0 { return Array(buffer[..<count]) }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { throw .io("recv: \(errorText())") }
            guard try wait(for: Int16(POLLIN), deadline: deadline) else { throw .timedOut(phase: "waiting for the response") }
        }
    }

    /// Waits until the socket is ready for `events`; false when the deadline passed first.
    private func wait(for events: Int16, deadline: Deadline) throws(PlainHTTPError) -> Bool {
        while true {
            let remaining = deadline.remainingMilliseconds
            guard remaining > 0 else { return false }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(remaining))
            if ready > 0 { return true }  // readiness or an error: the next call reports which
            if ready < 0 && errno != EINTR { throw .io("poll: \(errorText())") }
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
    private func errorText() -> String { Self.errorText() }
}
