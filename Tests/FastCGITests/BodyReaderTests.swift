// The body reader against a byte source that counts what it gave: a body that fits is kept
// whole, a longer one is read only up to the drain bound.
import Testing

@testable import FastCGI

@Suite struct BodyReaderTests {
    /// A source of `available` bytes of "x" that counts how many it handed out.
    final class Source {
        let available: Int
        var given = 0
        init(available: Int) { self.available = available }

        func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
            let count = min(buffer.count, available - given)
            for index in 0..<count { buffer[index] = UInt8(ascii: "x") }
            given += count
            return count
        }
    }

    @Test("keeps a body that fits the limit, exactly as declared", arguments: [0, 1, 16384, 16385, 65536])
    func fits(size: Int) {
        let source = Source(available: size + 100)
        let body = BodyReader.read(declared: size, limit: 65536, source.read)
        #expect(body.count == size && body.allSatisfy { $0 == UInt8(ascii: "x") })
        #expect(source.given == size)
    }

    // Regression: a body longer than the limit was read to its declared end, however long, before
    // the 413 (a client declaring 100 GB kept a worker reading for as long as it kept sending).
    @Test("reads a body over the limit only up to the drain bound past it, and keeps none of it")
    func drainsBoundedly() {
        let source = Source(available: 64 << 20)
        let body = BodyReader.read(declared: 100 << 30, limit: 65536, source.read)
        #expect(body.isEmpty)
        #expect(source.given == 65536 + BodyReader.drainLimit)
    }

    @Test("drains all of a body just over the limit, and stops early at the source's end")
    func drainsSmallExcess() {
        let over = Source(available: 70_000)
        #expect(BodyReader.read(declared: 70_000, limit: 65536, over.read).isEmpty)
        #expect(over.given == 70_000)
        let short = Source(available: 10)
        #expect(BodyReader.read(declared: 70_000, limit: 65536, short.read).isEmpty)
        #expect(short.given == 10)
    }
}
