// A transport that answers from a script and records every request, and a clock whose sleeps are
// recorded instead of slept: the retry loop tested without a network or waiting.
import Foundation

@testable import StacksClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One scripted outcome: a status with headers and body, or an error.
enum Scripted: Sendable {
    /// A response: status, headers, body.
    case answer(Int, [String: String], String)
    /// No response: this error.
    case failure(URLError.Code)
}

/// Answers requests from a script, in order, and keeps them.
actor FakeTransport: Transport {
    private var script: [Scripted]
    /// The requests sent, in order.
    private(set) var requests: [URLRequest] = []

    /// A transport that answers with `script`, then refuses connections.
    init(_ script: [Scripted]) {
        self.script = script
    }

    /// Records `request` and answers with the script's next outcome.
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        requests.append(request)
        guard !script.isEmpty else { throw URLError(.cannotConnectToHost) }
        switch script.removeFirst() {
        case .failure(let code):
            throw URLError(code)
        case .answer(let status, let headers, let body):
            let response = HTTPURLResponse(url: request.url!, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)!
            return (Data(body.utf8), response)
        }
    }
}

/// Records the waits of a retry loop.
actor Waits {
    private(set) var seconds: [Double] = []

    /// Records one wait.
    func add(_ delay: Double) { seconds.append(delay) }
}

extension Clock {
    /// A clock at a fixed time with the largest jitter, recording its sleeps in `waits`.
    static func fixed(_ waits: Waits, at now: Date = Date(timeIntervalSince1970: 1_700_000_000)) -> Clock {
        Clock(now: { now }, random: { 1 }, sleep: { await waits.add($0) }, note: { _ in })
    }
}
