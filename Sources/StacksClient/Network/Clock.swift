// The client's effects besides the network, as values it is given: the time, a random number for
// jitter, sleeping and the retry notes on stderr. Tests give fixed ones.
import Foundation

/// Time, chance and waiting, for the retry loop.
public struct Clock: Sendable {
    /// The current time.
    public let now: @Sendable () -> Date
    /// A number from 0 to 1, for jitter.
    public let random: @Sendable () -> Double
    /// Waits this many seconds.
    public let sleep: @Sendable (Double) async -> Void
    /// Tells the user a request is tried again.
    public let note: @Sendable (String) -> Void

    /// The real clock; retry notes go to stderr.
    public init() {
        self.init(
            now: { Date() }, random: { Double.random(in: 0...1) },
            sleep: { seconds in try? await Task.sleep(nanoseconds: UInt64(max(seconds, 0) * 1_000_000_000)) },
            note: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }

    /// A clock of these effects.
    public init(
        now: @escaping @Sendable () -> Date, random: @escaping @Sendable () -> Double,
        sleep: @escaping @Sendable (Double) async -> Void, note: @escaping @Sendable (String) -> Void
    ) {
        self.now = now
        self.random = random
        self.sleep = sleep
        self.note = note
    }
}
