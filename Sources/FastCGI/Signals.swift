// Process signal set-up for a worker: SIGTERM/SIGINT ask libfcgi to stop after the request in
// hand (installed with sigaction and without SA_RESTART, so the listener's wait returns); SIGPIPE
// from a vanished client is ignored so that a write error cannot kill the worker. The stop signals
// are blocked but while the listener waits, and a pending one ends the loop after the request.
import CFastCGI
import Glibc

/// Signal handling for the worker loop.
public enum Signals {
    /// Installs the graceful-stop handlers and ignores SIGPIPE.
    public static func install() {
        var stop = sigaction()
        stop.__sigaction_handler.sa_handler = { _ in FCGX_ShutdownPending() }
        sigemptyset(&stop.sa_mask)
        stop.sa_flags = 0
        sigaction(SIGTERM, &stop, nil)
        sigaction(SIGINT, &stop, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// SIGTERM and SIGINT (ours) and SIGUSR1 (libfcgi's own graceful stop, sent by multiwatch).
    static func stopSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGUSR1] { sigaddset(&set, signal) }
        return set
    }

    /// Whether a stop signal arrived while it was blocked.
    static func stopPending() -> Bool {
        var pending = sigset_t()
        sigpending(&pending)
        return [SIGTERM, SIGINT, SIGUSR1].contains { sigismember(&pending, $0) == 1 }
    }
}
