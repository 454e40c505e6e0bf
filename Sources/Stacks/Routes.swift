// The whole route table on one screen: method, path, the scope a caller needs (nil: public)
// and the handler. Scope checks happen here and nowhere else.
import HTTP

/// Builds the API's router.
enum Routes {
    /// Every route of the API.
    static func table() -> Router<Endpoint> {
        var router = Router<Endpoint>()
        router.add(.get, "/api/health", Endpoint(nil, HealthHandlers.live))
        router.add(.get, "/api/health/ready", Endpoint(nil, HealthHandlers.ready))

        router.add(.post, "/api/auth/register", Endpoint(nil, AuthHandlers.register))
        router.add(.post, "/api/auth/login", Endpoint(nil, AuthHandlers.login))
        router.add(.post, "/api/auth/refresh", Endpoint(nil, AuthHandlers.refresh))
        router.add(.post, "/api/auth/generate-key", Endpoint(nil, AuthHandlers.generateKey))
        router.add(.post, "/api/auth/logout", Endpoint(.read, AuthHandlers.logout))
        router.add(.get, "/api/auth/me", Endpoint(.read, AuthHandlers.me))
        router.add(.get, "/api/auth/keys", Endpoint(.read, AuthHandlers.listKeys))
        router.add(.delete, "/api/auth/keys/{id}", Endpoint(.write, AuthHandlers.revokeKey))

        router.add(.get, "/api/books", Endpoint(.read, BookHandlers.list))
        router.add(.post, "/api/books", Endpoint(.admin, BookHandlers.create))
        router.add(.get, "/api/books/{id}", Endpoint(.read, BookHandlers.show))
        router.add(.patch, "/api/books/{id}", Endpoint(.admin, BookHandlers.update))
        router.add(.delete, "/api/books/{id}", Endpoint(.admin, BookHandlers.delete))

        router.add(.post, "/api/books/{id}/borrow", Endpoint(.write, LoanHandlers.borrow))
        router.add(.get, "/api/borrows", Endpoint(.read, LoanHandlers.list))
        router.add(.get, "/api/borrows/{id}", Endpoint(.read, LoanHandlers.show))
        router.add(.post, "/api/borrows/{id}/return", Endpoint(.write, LoanHandlers.giveBack))
        router.add(.post, "/api/borrows/{id}/renew", Endpoint(.write, LoanHandlers.renew))

        router.add(.get, "/api/chat", Endpoint(.read, ChatHandlers.list))
        router.add(.post, "/api/chat/{id}", Endpoint(.write, ChatHandlers.post))
        router.add(.get, "/api/chat/{id}", Endpoint(.read, ChatHandlers.show))
        router.add(.delete, "/api/chat/{id}", Endpoint(.write, ChatHandlers.delete))
        return router
    }
}
