// Known-answer vectors for every primitive (FIPS 180-4, RFC 4231, RFC 4648) and the
// argon2id hash round trip with its re-hash rule.
import Crypto
import Testing

@Suite struct CryptoTests {
    init() { Sodium.initialize() }

    @Test("SHA-256 matches the FIPS 180-4 vectors")
    func sha256() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC-SHA-256 matches RFC 4231 test cases 1, 2 and 6")
    func hmac() {
        let case1 = HMACSHA256.authenticate(Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20))
        #expect(Hex.encode(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = HMACSHA256.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
        #expect(Hex.encode(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let case6 = HMACSHA256.authenticate(
            Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: [UInt8](repeating: 0xaa, count: 131))
        #expect(Hex.encode(case6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("Base64URL round-trips and refuses padding and foreign characters")
    func base64url() {
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        #expect(Base64URL.decode("Zm8") == Array("fo".utf8))
        #expect(Base64URL.decode("Zm8=") == nil)
        #expect(Base64URL.decode("Zm+v") == nil)
        #expect(Base64URL.decode("Zm9v!") == nil)
    }

    @Test("random tokens are 43 URL-safe characters and differ")
    func tokens() {
        let first = Sodium.randomToken()
        let second = Sodium.randomToken()
        #expect(first.count == 43)
        #expect(first != second)
        #expect(first.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test("constant-time comparison tells equal from unequal")
    func constantTime() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
    }

    @Test("argon2id hashes verify, carry OWASP parameters, and weaker ones need re-hashing")
    func passwords() throws {
        let hasher = PasswordHasher.owaspMinimum
        let encoded = try #require(hasher.hash("correct horse"))
        #expect(encoded.hasPrefix("$argon2id$v=19$m=19456,t=2,"))
        #expect(hasher.verify("correct horse", against: encoded))
        #expect(!hasher.verify("correct horsE", against: encoded))
        #expect(!hasher.needsRehash(encoded))
        let weak = try #require(PasswordHasher(opsLimit: 1, memLimit: 8 * 1024 * 1024).hash("correct horse"))
        #expect(hasher.needsRehash(weak))
        #expect(hasher.verify("correct horse", against: weak))
    }

    @Test("a sealed secret opens under its key and not under another, nor altered")
    func secretBoxSealsAndOpens() {
        let box = SecretBox(keyMaterial: Array("a key of at least thirty-two bytes!!".utf8))
        let secret = Array("whsec_example".utf8)
        let sealed = box.seal(secret)
        #expect(sealed != box.seal(secret))
        #expect(box.open(sealed) == secret)
        #expect(SecretBox(keyMaterial: Array("another key of at least thirty-two bytes".utf8)).open(sealed) == nil)
        var altered = sealed
        altered[altered.count - 1] ^= 1
        #expect(box.open(altered) == nil)
        #expect(box.open(Array(sealed.prefix(10))) == nil)
    }
}
