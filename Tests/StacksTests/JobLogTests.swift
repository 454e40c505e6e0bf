// The runner's hand-written log line: JSON that Foundation reads back, keys in sorted order, the
// outcome's level, and no payload.
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct JobLogTests {
    @Test(
        "writes one JSON object per job run that Foundation reads back field for field",
        arguments: [
            (JobOutcome.State.done, "purged 1 idempotency keys", nil), (.failed, nil, "23514: item \"7\"\n is\t lost"),
            (.dead, nil, "unknown job kind 'x'"),
        ] as [(JobOutcome.State, String?, String?)])
    func line(state: JobOutcome.State, detail: String?, error: String?) throws {
        let started = Date(timeIntervalSince1970: 1_764_547_200.25)
        let outcome = JobOutcome(
            jobID: 42, kind: "hold_pickup_expiry", state: state, attempts: 3, started: started,
            finished: started.addingTimeInterval(0.0125), detail: detail, error: error)
        let text = JobLog(pid: 7) { _ in }.line(outcome)
        #expect(!text.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["job_id"] as? Int == 42)
        #expect(object["kind"] as? String == "hold_pickup_expiry")
        #expect(object["outcome"] as? String == state.rawValue)
        #expect(object["level"] as? String == (state == .done ? "info" : "error"))
        #expect(object["attempts"] as? Int == 3)
        #expect(object["duration_ms"] as? Double == 12.5)
        #expect(object["detail"] as? String == detail)
        #expect(object["error"] as? String == error)
        #expect(object["pid"] as? Int == 7)
        #expect(object["time"] as? String == "2025-12-01T00:00:00Z")
        let positions = object.keys.sorted().compactMap { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.count == object.count && positions == positions.sorted(), "keys in sorted order")
    }
}
