// When to try a request again and how long to wait first: exponential backoff from `base`, capped
// per wait, with jitter (each wait between half and all of its ceiling), a bounded number of tries
// and of seconds waited in all, and never sooner than the server's Retry-After. Pure values.
import Foundation

/// The retry rules of one client.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included.
    public var tries: Int
    /// The ceiling of the first wait, in seconds; each later one doubles it.
    public var base: Double
    /// The largest ceiling of one wait, in seconds.
    public var cap: Double
    /// The most seconds a request may spend waiting between its tries.
    public var budget: Double

    /// The client's rules: 8 tries, waits from 0.25 s doubling up to 8 s, at most 60 s of waiting.
    public static let standard = RetryPolicy(tries: 8, base: 0.25, cap: 8, budget: 60)

    /// Makes a policy.
    public init(tries: Int, base: Double, cap: Double, budget: Double) {
        self.tries = max(1, tries)
        self.base = base
        self.cap = cap
        self.budget = budget
    }

    /// The wait after try number `attempt` (1 for the first) failed: a jittered share (`unit` from 0
    /// to 1, random) of the attempt's ceiling, and at least the server's `retryAfter` seconds.
    public func delay(after attempt: Int, retryAfter: Double?, unit: Double) -> Double {
        let ceiling = min(cap, base * pow(2, Double(max(attempt - 1, 0))))
        let jittered = ceiling * (0.5 + 0.5 * min(max(unit, 0), 1))
        return max(jittered, retryAfter ?? 0)
    }

    /// Whether another try may follow try number `attempt` when `waited` seconds were spent
    /// waiting so far and the next wait is `delay`.
    public func allowsAnother(after attempt: Int, waited: Double, delay: Double) -> Bool {
        attempt < tries && waited + delay <= budget
    }

    /// The seconds a `Retry-After` value asks for: delay-seconds, or an HTTP date (RFC 9110)
    /// relative to `now`; nil when it is neither.
    public static func seconds(retryAfter value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) { return seconds >= 0 ? Double(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
