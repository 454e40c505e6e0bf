// What the circulation endpoints accept before any SQL runs: barcodes, the hold patch's
// null-or-time field, and the hold settings.
import Foundation
import HTTP
import Testing

@testable import Stacks

@Suite struct CirculationInputTests {
    @Test("barcodes are 1–40 letters, digits, dots and hyphens from a letter or digit; S and 10 digits is reserved")
    func barcodes() {
        for good in ["0201633612-1", "S0000000001", "LIB.2024-17", "a", String(repeating: "9", count: 40)] {
            #expect(Barcode.isValid(good), "\(good)")
        }
        for bad in ["", "-1", ".x", "with space", "ü123", "a/b", "x\u{0}", String(repeating: "9", count: 41), "'; DROP"] {
            #expect(!Barcode.isValid(bad), "\(bad)")
        }
        #expect(Barcode.isGenerated("S0000000001") && Barcode.isGenerated("S9999999999"))
        #expect(!Barcode.isGenerated("S000000001") && !Barcode.isGenerated("s0000000001") && !Barcode.isGenerated("S00000000x1"))
    }

    @Test("a hold patch tells null (resume) from a missing field")
    func holdPatch() throws {
        let resume = try JSONCoding.decode(
            HoldPatchBody.self, from: Array(#"{"suspended_until":null}"#.utf8), allowedFields: HoldPatchBody.fields)
        #expect(resume.named && resume.suspendedUntil == nil)
        let empty = try JSONCoding.decode(HoldPatchBody.self, from: Array("{}".utf8), allowedFields: HoldPatchBody.fields)
        #expect(!empty.named)
        let until = try JSONCoding.decode(
            HoldPatchBody.self, from: Array(#"{"suspended_until":"2026-12-24T09:00:00Z"}"#.utf8),
            allowedFields: HoldPatchBody.fields)
        #expect(until.named && until.suspendedUntil == "2026-12-24T09:00:00Z")
        #expect(HoldHandlers.date("2026-12-24T09:00:00Z") != nil && HoldHandlers.date("2026-12-24T09:00:00.250+01:00") != nil)
        #expect(HoldHandlers.date("tomorrow") == nil && HoldHandlers.date("2026-13-01T00:00:00Z") == nil)
    }

    @Test("hold settings: fractional pickup days, a bounded hold limit")
    func settings() throws {
        let key = ["STACKS_JWT_KEYS": "k1:" + String(repeating: "s", count: 32)]
        let defaults = try Config(environment: key)
        #expect(defaults.maxHolds == 10 && defaults.holdPickupSeconds == 7 * 86_400)
        let short = try Config(environment: key.merging(["STACKS_HOLD_PICKUP_DAYS": "0.00006"]) { $1 })
        #expect(abs(short.holdPickupSeconds - 5.184) < 0.000_001)
        for bad in ["0", "-1", "1e3", "366", "seven", "0.000001", " 7"] {
            #expect(throws: ConfigError.self) { try Config(environment: key.merging(["STACKS_HOLD_PICKUP_DAYS": bad]) { $1 }) }
        }
        #expect(throws: ConfigError.self) { try Config(environment: key.merging(["STACKS_MAX_HOLDS": "0"]) { $1 }) }
    }
}
