// The runner's graceful stop without a handler or a global flag: SIGTERM (kill, systemd), SIGINT
// and SIGUSR1 (multiwatch's stop) are blocked from the start, so they stay pending while a job
// runs; the loop looks for one between jobs and waits for one (sigtimedwait) while none is due.
import Glibc

/// The blocked stop signals of this process.
struct StopSignals {
    private var set = sigset_t()

    /// Blocks SIGTERM, SIGINT and SIGUSR1 for the process (before anything else runs).
    static func block() -> StopSignals {
        var signals = StopSignals()
        sigemptyset(&signals.set)
        for signal in [SIGTERM, SIGINT, SIGUSR1] { sigaddset(&signals.set, signal) }
        sigprocmask(SIG_BLOCK, &signals.set, nil)
        return signals
    }

    /// Whether a stop signal has arrived (it stays pending; the process is about to exit anyway).
    func pending() -> Bool {
        var pending = sigset_t()
        sigpending(&pending)
        return [SIGTERM, SIGINT, SIGUSR1].contains { sigismember(&pending, $0) == 1 }
    }

    /// Waits up to `milliseconds` for a stop signal; true when one came.
    func wait(milliseconds: Int) -> Bool {
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var set = self.set
        while true {
            if sigtimedwait(&set, nil, &timeout) > 0 { return true }
            // EINTR (another signal's handler ran) waits again; EAGAIN is the timeout.
            if errno != EINTR { return pending() }
        }
    }
}
