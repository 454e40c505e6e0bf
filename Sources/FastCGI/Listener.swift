// The worker's own accept: every connection from the web server gets a receive and a send timeout
// before libfcgi reads a byte of it, so that a client that sends half a record and stalls, or stops
// reading its answer, is dropped after a bounded time instead of holding this single-threaded
// worker forever. libfcgi reads BEGIN_REQUEST and PARAMS inside FCGX_Accept_r, straight after its
// own accept, and an accepted unix socket does not inherit SO_RCVTIMEO from the listening one:
// hence this accept, whose connection the loop hands to libfcgi. (libfcgi's own address filter for
// TCP pools, FCGI_WEB_SERVER_ADDRS, is not applied: deploy/README-hosts.md firewalls their ports.)
import CFastCGI
import Glibc

/// The listening socket a supervisor handed over, shared with the other workers of the pool.
struct Listener {
    /// The listening descriptor (fd 0 under spawn-fcgi).
    let descriptor: Int32
    /// How long one read or write on a connection may wait, in milliseconds.
    let timeoutMS: Int

    /// Makes the listening socket non-blocking. Its flags are shared by every worker of the pool
    /// (one open file, inherited), and each of them accepts this way: after a wake-up that another
    /// worker's accept won, accept returns EAGAIN instead of blocking with the stop signals held.
    init(descriptor: Int32, timeoutMS: Int) {
        self.descriptor = descriptor
        self.timeoutMS = timeoutMS
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// The next connection, blocking and with its timeouts set; nil when a signal ended the wait
    /// (only the stop signals have handlers) or the socket failed. The caller keeps the stop
    /// signals blocked; they are let through only while waiting (`waitingMask`, atomically in
    /// ppoll), so one that arrives at any other moment still ends the next wait at once.
    func next(waitingMask: sigset_t) -> Int32? {
        var mask = waitingMask
        while true {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard ppoll(&entry, 1, nil, &mask) > 0 else { return nil }
            let connection = accept(descriptor, nil, nil)
            if connection >= 0 {
                configure(connection)
                return connection
            }
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO: continue  // taken by another worker, or the client left
            default: return nil
            }
        }
    }

    /// SO_RCVTIMEO and SO_SNDTIMEO on a connection: a read or write that waits longer fails
    /// (EAGAIN), and libfcgi drops the connection. On a TCP pool also TCP_NODELAY, as libfcgi's
    /// accept sets it (a unix socket refuses it, harmlessly).
    func configure(_ connection: Int32) {
        var limit = timeval(tv_sec: timeoutMS / 1000, tv_usec: (timeoutMS % 1000) * 1000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &limit, size)
        _ = setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, size)
        var on: Int32 = 1
        _ = setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }
}
