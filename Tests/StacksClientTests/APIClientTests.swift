// The client's retry loop and session handling against a scripted transport: one idempotency key
// on every try of a write, Retry-After honoured, bounded tries ending in exit code 3, a refused
// connection for generate-key alone retried, and an expired session refreshed once.
import Foundation
import StacksWire
import Testing

@testable import StacksClient

@Suite struct APIClientTests {
    let server = try! ServerAddress("http://127.0.0.1:9")
    let loan = #"{"success":true,"message":"ok","data":{"id":7}}"#
    let problem503 = #"{"type":"urn:stacks:problem:service-unavailable","status":503,"detail":"down"}"#

    /// A client of the test server over `transport`, its waits recorded in `waits`.
    func client(_ transport: FakeTransport, _ waits: Waits, credential: Credential = .apiKey("k"), tries: Int = 8) -> APIClient {
        APIClient(
            server: server, credential: credential, store: nil, transport: transport,
            policy: RetryPolicy(tries: tries, base: 0.25, cap: 8, budget: 60), clock: .fixed(waits))
    }

    @Test("sends every try of a write with the same idempotency key, and a new write with a new one")
    func sameKey() async throws {
        let transport = FakeTransport([
            .failure(.networkConnectionLost), .answer(502, [:], ""), .answer(503, ["Retry-After": "2"], problem503),
            .answer(201, [:], loan), .answer(201, [:], loan),
        ])
        let waits = Waits()
        var client = client(transport, waits)
        let response = try await client.send(.send("POST", "/api/books/1/borrow", BorrowBody(days: 3)))
        #expect(response.status == 201)
        _ = try await client.send(.send("POST", "/api/books/1/borrow", BorrowBody(days: 3)))
        let requests = await transport.requests
        let keys = requests.map { $0.value(forHTTPHeaderField: "Idempotency-Key") }
        #expect(requests.count == 5)
        #expect(Set(keys[0..<4]).count == 1 && keys[0] != nil)
        #expect(keys[4] != keys[0])
        #expect(requests.allSatisfy { $0.value(forHTTPHeaderField: "Authorization") == "Bearer k" })
        #expect(requests[0].httpBody.map { String(decoding: $0, as: UTF8.self) } == #"{"days":3}"#)
        #expect(await waits.seconds == [0.25, 0.5, 2])
    }

    @Test("sends reads without an idempotency key")
    func readsCarryNoKey() async throws {
        let transport = FakeTransport([.answer(200, [:], loan)])
        var client = client(transport, Waits())
        _ = try await client.send(.get("/api/borrows", [URLQueryItem(name: "status", value: "a+b")]))
        let request = try #require(await transport.requests.first)
        #expect(request.value(forHTTPHeaderField: "Idempotency-Key") == nil)
        #expect(request.url?.absoluteString == "http://127.0.0.1:9/api/borrows?status=a%2Bb")
    }

    @Test("gives up after the last try: the last answer when there was one, else unreachable")
    func bounded() async throws {
        let busy = FakeTransport(Array(repeating: .answer(503, [:], problem503), count: 3))
        var client = client(busy, Waits(), tries: 3)
        let response = try await client.send(.get("/api/books"))
        #expect(response.status == 503)
        #expect(throws: ClientError.problem(detail: "down", status: 503)) { try response.data() }

        let refused = FakeTransport([])
        var other = self.client(refused, Waits(), tries: 4)
        await #expect(throws: ClientError.self) { _ = try await other.send(.get("/api/books")) }
        #expect(await refused.requests.count == 4)
        do {
            _ = try await other.send(.get("/api/books"))
        } catch {
            #expect(error.exitCode == 3)
        }
    }

    @Test("does not send generate-key again once it may have reached a worker")
    func unsentOnly() async throws {
        let transport = FakeTransport([.failure(.cannotConnectToHost), .answer(502, [:], ""), .answer(201, [:], loan)])
        var client = client(transport, Waits(), credential: .none)
        let call = APICall("POST", "/api/auth/generate-key", body: Data("{}".utf8), authenticated: false, resending: .onlyUnsent)
        let response = try await client.send(call)
        #expect(response.status == 502)
        let requests = await transport.requests
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.value(forHTTPHeaderField: "Idempotency-Key") == nil })
    }

    @Test("refreshes an expired session before the request, and a refused one once after a 401")
    func refresh() async throws {
        let pair =
            #"{"success":true,"message":"ok","data":{"access_token":"new","token_type":"Bearer","expires_in":900,"refresh_token":"rt_2","scope":"read write"}}"#
        let expired = StoredCredential(email: "a@b.c", accessToken: "old", accessExpiresAt: 0, refreshToken: "rt_1")
        let first = FakeTransport([.answer(200, [:], pair), .answer(200, [:], loan)])
        var client = client(first, Waits(), credential: .session(expired))
        _ = try await client.send(.get("/api/borrows"))
        var requests = await first.requests
        #expect(requests.map { $0.url?.path } == ["/api/auth/refresh", "/api/borrows"])
        #expect(requests[0].value(forHTTPHeaderField: "Authorization") == nil)
        #expect(requests[1].value(forHTTPHeaderField: "Authorization") == "Bearer new")
        #expect(client.credential.bearer == "new")

        let fresh = StoredCredential(email: "a@b.c", accessToken: "revoked", accessExpiresAt: 1_800_000_000, refreshToken: "rt_1")
        let second = FakeTransport([.answer(401, [:], "{}"), .answer(200, [:], pair), .answer(200, [:], loan)])
        var again = self.client(second, Waits(), credential: .session(fresh))
        #expect(try await again.send(.get("/api/borrows")).status == 200)
        requests = await second.requests
        #expect(requests.map { $0.url?.path } == ["/api/borrows", "/api/auth/refresh", "/api/borrows"])

        let ended = FakeTransport([.answer(401, [:], "{}"), .answer(401, [:], "{}")])
        var over = self.client(ended, Waits(), credential: .session(fresh))
        await #expect(throws: ClientError.problem(detail: "the session has ended; log in again with stacks login", status: 401)) {
            _ = try await over.send(.get("/api/borrows"))
        }
    }

    @Test("tries a refresh again only within the server's 30 s grace for a repeated refresh token")
    func refreshWithinGrace() async throws {
        let expired = StoredCredential(email: "a@b.c", accessToken: "old", accessExpiresAt: 0, refreshToken: "rt_1")
        let transport = FakeTransport(Array(repeating: .answer(502, [:], ""), count: 20))
        let waits = Waits()
        var client = client(transport, waits, credential: .session(expired), tries: 20)
        await #expect(throws: ClientError.problem(detail: "Bad Gateway", status: 502)) {
            _ = try await client.send(.get("/api/borrows"))
        }
        let waited = await waits.seconds.reduce(0, +)
        #expect(waited <= APIClient.refreshBudget && waited > 10)
        #expect(await transport.requests.allSatisfy { $0.url?.path == "/api/auth/refresh" })
    }
}
