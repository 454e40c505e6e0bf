// The whole route table on one screen: every method, path and handler of the API.
import HTTP

/// Builds the API's router.
enum Routes {
    /// Every route of the API.
    static func table() -> Router<Endpoint> {
        var router = Router<Endpoint>()
        router.add(.get, "/api/health", Endpoint(HealthHandlers.live))
        router.add(.get, "/api/health/ready", Endpoint(HealthHandlers.ready))

        router.add(.get, "/api/books", Endpoint(BookHandlers.list))
        router.add(.get, "/api/books/{id}", Endpoint(BookHandlers.show))
        return router
    }
}
