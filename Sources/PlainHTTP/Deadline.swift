// One deadline for a whole exchange (resolving aside): every wait is for what remains of it.

/// A point in monotonic time by which an exchange must be over.
public struct Deadline: Sendable {
    /// The instant itself.
    public let instant: ContinuousClock.Instant

    /// The deadline `milliseconds` from now.
    public init(milliseconds: Int) {
        instant = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
    }

    /// A deadline at `instant`.
    public init(_ instant: ContinuousClock.Instant) {
        self.instant = instant
    }

    /// Milliseconds left, rounded up so that a wait never ends early; 0 once passed.
    public var remainingMilliseconds: Int {
        let left = ContinuousClock.now.duration(to: instant)
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(min(milliseconds, Int64(Int32.max)))
    }

    /// Whether the deadline has passed.
    public var hasPassed: Bool { ContinuousClock.now >= instant }
}
