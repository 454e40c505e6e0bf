// Status codes with their standard reason phrases, also for codes rebuilt from a number.
import HTTP
import Testing

@Suite struct StatusTests {
    @Test(
        "gives a code its standard reason phrase",
        arguments: [
            (200, "OK"), (304, "Not Modified"), (401, "Unauthorized"), (405, "Method Not Allowed"), (406, "Not Acceptable"),
            (410, "Gone"), (428, "Precondition Required"), (429, "Too Many Requests"), (503, "Service Unavailable"),
        ])
    func standardPhrase(code: Int, reason: String) {
        #expect(Status(code: code) == Status(code, reason))
    }

    @Test("rebuilds every named status from its code")
    func namedStatuses() {
        let named: [Status] = [
            .ok, .created, .noContent, .notModified, .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed,
            .notAcceptable, .conflict, .gone, .preconditionFailed, .contentTooLarge, .unsupportedMediaType,
            .unprocessableContent, .preconditionRequired, .tooManyRequests, .internalServerError, .notImplemented,
            .serviceUnavailable,
        ]
        for status in named {
            #expect(Status(code: status.code) == status)
        }
    }

    @Test("gives an unregistered code no phrase rather than an invented one")
    func unregistered() {
        #expect(Status(code: 299).reason == "")
        #expect(Status(code: 599).reason == "")
    }
}
