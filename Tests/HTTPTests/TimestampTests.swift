// The hand-written ISO 8601 formatter against Foundation's, over instants spread across four
// centuries (leap years, century rules, month ends, before 1970) and the seconds around midnight.
import Foundation
import HTTP
import Testing

@Suite struct TimestampTests {
    @Test("formats as Foundation's .iso8601 does")
    func matchesFoundation() {
        var instants: [Double] = [
            0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800, 1_798_761_599.999,
        ]
        var state: UInt64 = 42
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Between 1800 and 2200, fractions of a second included.
            instants.append(-5_364_662_400 + Double(state >> 11) / Double(1 << 53) * 12_623_040_000)
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(Timestamp.iso8601(date) == date.formatted(.iso8601), "at \(instant)")
        }
    }
}
