// One chat-completions exchange with the model server: the request as JSON over plain HTTP, within
// what is left of the turn's deadline, and the answer decoded. Every failure is a ModelFailure.
import HTTP
import PlainHTTP

/// Posts completion requests to the configured server.
struct ModelClient {
    /// Where and how.
    let settings: ModelSettings

    /// The first choice of the server's answer to `request`, before `deadline`.
    func complete(_ request: CompletionRequest, deadline: Deadline) throws(ModelFailure) -> CompletionAnswer {
        guard !deadline.hasPassed else { throw .timedOut }
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("Accept", "application/json"), ("User-Agent", "Stacks-Librarian/1"),
        ]
        if let key = settings.apiKey { headers.append(("Authorization", "Bearer \(key)")) }
        let post = PlainRequest(method: "POST", url: settings.endpoint, headers: headers, body: JSONCoding.encode(request))
        let response: PlainResponse
        do {
            response = try post.send(deadline: deadline)
        } catch {
            throw .transport(error)
        }
        guard (200...299).contains(response.status) else { throw .status(response.status) }
        return try CompletionAnswer(json: response.body)
    }
}
