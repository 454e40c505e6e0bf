// The fuzz corpus as a regression suite: every kept input of every target runs through it in the
// normal build, so an input that once broke an invariant (a broken invariant) breaks the tests.
import Crypto
import Foundation
import Testing

@testable import stacks_fuzz

@Suite struct CorpusReplayTests {
    init() { Sodium.initialize() }

    @Test("every corpus input of a target keeps the target's invariants", arguments: FuzzTarget.allCases)
    func replaysTheCorpus(target: FuzzTarget) throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("corpus").appendingPathComponent(target.rawValue)
        let count = try StacksFuzz.replay(target, paths: [directory])
        #expect(count >= 10, "the corpus of \(target.rawValue) has \(count) inputs")
    }
}
