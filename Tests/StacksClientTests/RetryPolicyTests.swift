// Backoff: waits that double from the base up to the cap, jittered between half and all of their
// ceiling, never shorter than Retry-After, within a bounded number of tries and seconds; and
// which answers are worth another try for each kind of request.
import Foundation
import Testing

@testable import StacksClient

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(tries: 8, base: 0.25, cap: 8, budget: 60)

    @Test("doubles the ceiling each try up to the cap, jittered between half and all of it")
    func backoff() {
        #expect([1, 2, 3, 4, 5, 6, 7].map { policy.delay(after: $0, retryAfter: nil, unit: 1) } == [0.25, 0.5, 1, 2, 4, 8, 8])
        #expect(policy.delay(after: 3, retryAfter: nil, unit: 0) == 0.5)
        #expect(policy.delay(after: 3, retryAfter: nil, unit: 0.5) == 0.75)
    }

    @Test("waits at least as long as Retry-After asks")
    func retryAfter() {
        #expect(policy.delay(after: 1, retryAfter: 3, unit: 1) == 3)
        #expect(policy.delay(after: 7, retryAfter: 1, unit: 1) == 8)
    }

    @Test("stops after the last try or when the next wait would pass the budget")
    func bounds() {
        #expect(policy.allowsAnother(after: 7, waited: 0, delay: 1))
        #expect(!policy.allowsAnother(after: 8, waited: 0, delay: 1))
        #expect(!policy.allowsAnother(after: 2, waited: 55, delay: 8))
        #expect(!policy.allowsAnother(after: 1, waited: 0, delay: 900))
        #expect(RetryPolicy(tries: 0, base: 1, cap: 1, budget: 1).tries == 1)
    }

    @Test("reads Retry-After as seconds or as an HTTP date")
    func parsing() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryPolicy.seconds(retryAfter: "1", now: now) == 1)
        #expect(RetryPolicy.seconds(retryAfter: " 120 ", now: now) == 120)
        #expect(RetryPolicy.seconds(retryAfter: "Tue, 14 Nov 2023 22:13:50 GMT", now: now) == 30)
        #expect(RetryPolicy.seconds(retryAfter: "Tue, 14 Nov 2023 22:00:00 GMT", now: now) == 0)
        for bad in ["-1", "soon", "", "1.5"] { #expect(RetryPolicy.seconds(retryAfter: bad, now: now) == nil) }
    }

    @Test("retries 503 and 429 always, 502 and 504 unless the request must not reach a worker twice")
    func statuses() {
        for resending in [Resending.read, .write, .harmless, .onlyUnsent] {
            #expect(RetryDecision.after(status: 503, slug: nil, retryAfter: 1, resending: resending) != .accept)
            #expect(RetryDecision.after(status: 429, slug: nil, retryAfter: nil, resending: resending) != .accept)
            #expect(RetryDecision.after(status: 200, slug: nil, retryAfter: nil, resending: resending) == .accept)
            #expect(RetryDecision.after(status: 409, slug: "conflict", retryAfter: nil, resending: resending) == .accept)
            #expect(RetryDecision.after(status: 500, slug: "internal", retryAfter: nil, resending: resending) == .accept)
        }
        #expect(RetryDecision.after(status: 502, slug: nil, retryAfter: nil, resending: .write) != .accept)
        #expect(RetryDecision.after(status: 504, slug: nil, retryAfter: nil, resending: .read) != .accept)
        #expect(RetryDecision.after(status: 502, slug: nil, retryAfter: nil, resending: .onlyUnsent) == .accept)
        #expect(
            RetryDecision.after(status: 409, slug: "idempotency-in-flight", retryAfter: 1, resending: .write)
                == .retry(reason: "409 idempotency-in-flight", retryAfter: 1))
    }

    @Test("retries a refused connection always, a lost one unless unsent-only, and never a host that does not resolve")
    func errors() {
        #expect(RetryDecision.after(error: URLError(.cannotConnectToHost), resending: .onlyUnsent) != .accept)
        #expect(RetryDecision.after(error: URLError(.networkConnectionLost), resending: .write) != .accept)
        if case .unreachable = RetryDecision.after(error: URLError(.networkConnectionLost), resending: .onlyUnsent) {
        } else {
            Issue.record("a lost generate-key was retried")
        }
        if case .unreachable = RetryDecision.after(error: URLError(.cannotFindHost), resending: .read) {
        } else {
            Issue.record("an unknown host was retried")
        }
    }
}
