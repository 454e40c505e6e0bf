// The whole route table on one screen: method, path, each endpoint's policy — the scope a caller
// needs (nil: public), the query parameters it accepts, the scope of a scoped parameter, the
// scope a credential sent to a public endpoint must carry — and the handler. The app checks the
// policy before the handler runs; scopes are declared here and nowhere else.
import HTTP

/// Builds the API's router.
package enum Routes {
    /// Every route of the API.
    package static func table() -> Router<Endpoint> {
        var router = Router<Endpoint>()
        router.add(.get, "/api/health", Endpoint(nil, HealthHandlers.live))
        router.add(.get, "/api/health/ready", Endpoint(nil, HealthHandlers.ready))

        router.add(
            .post, "/api/auth/register", Endpoint(nil, credentialScope: .write, body: RegisterBody.self, AuthHandlers.register))
        router.add(.post, "/api/auth/login", Endpoint(nil, body: LoginBody.self, AuthHandlers.login))
        router.add(.post, "/api/auth/refresh", Endpoint(nil, body: RefreshBody.self, AuthHandlers.refresh))
        router.add(
            .post, "/api/auth/generate-key",
            Endpoint(nil, credentialScope: .write, body: GenerateKeyBody.self, AuthHandlers.generateKey))
        router.add(.post, "/api/auth/logout", Endpoint(.read, body: LogoutBody.self, ifEmpty: LogoutBody(), AuthHandlers.logout))
        router.add(.get, "/api/auth/me", Endpoint(.read, AuthHandlers.me))
        router.add(.get, "/api/auth/keys", Endpoint(.read, AuthHandlers.listKeys))
        router.add(.delete, "/api/auth/keys/{id}", Endpoint(.write, AuthHandlers.revokeKey))

        router.add(.get, "/api/books", Endpoint(.read, query: BookListQuery.parameterNames, BookHandlers.list))
        router.add(.post, "/api/books", Endpoint(.admin, body: BookInput.self, BookHandlers.create))
        router.add(.get, "/api/books/{id}", Endpoint(.read, BookHandlers.show))
        router.add(.patch, "/api/books/{id}", Endpoint(.admin, body: BookInput.self, BookHandlers.update))
        router.add(.delete, "/api/books/{id}", Endpoint(.admin, BookHandlers.delete))

        router.add(
            .post, "/api/books/{id}/borrow", Endpoint(.write, body: BorrowBody.self, ifEmpty: BorrowBody(), LoanHandlers.borrow))
        let borrowsQuery: Set<String> = ["status", "limit", "cursor", "member"]
        router.add(
            .get, "/api/borrows", Endpoint(.read, query: borrowsQuery, scopedParameters: ["member": .admin], LoanHandlers.list))
        router.add(.get, "/api/borrows/{id}", Endpoint(.read, LoanHandlers.show))
        router.add(.post, "/api/borrows/{id}/return", Endpoint(.write, LoanHandlers.giveBack))
        router.add(
            .post, "/api/borrows/{id}/renew", Endpoint(.write, body: RenewBody.self, ifEmpty: RenewBody(), LoanHandlers.renew))

        router.add(.get, "/api/books/{id}/items", Endpoint(.read, ItemHandlers.list))
        router.add(
            .post, "/api/books/{id}/items", Endpoint(.admin, body: NewItemBody.self, ifEmpty: NewItemBody(), ItemHandlers.create))
        router.add(.get, "/api/items/{barcode}", Endpoint(.admin, ItemHandlers.show))
        router.add(.patch, "/api/items/{barcode}", Endpoint(.admin, body: ItemPatchBody.self, ItemHandlers.update))

        router.add(
            .post, "/api/books/{id}/holds",
            Endpoint(.write, body: PlaceHoldBody.self, ifEmpty: PlaceHoldBody(), HoldHandlers.place))
        let holdsQuery: Set<String> = ["status", "book_id", "limit", "cursor"]
        router.add(
            .get, "/api/holds", Endpoint(.read, query: holdsQuery, scopedParameters: ["book_id": .admin], HoldHandlers.list))
        router.add(.get, "/api/holds/{id}", Endpoint(.read, HoldHandlers.show))
        router.add(.patch, "/api/holds/{id}", Endpoint(.write, body: HoldPatchBody.self, HoldHandlers.update))
        router.add(.delete, "/api/holds/{id}", Endpoint(.write, HoldHandlers.cancel))

        router.add(.post, "/api/desk/checkout", Endpoint(.admin, body: DeskCheckoutBody.self, DeskHandlers.checkout))
        router.add(.post, "/api/desk/checkin", Endpoint(.admin, body: DeskCheckinBody.self, DeskHandlers.checkin))

        router.add(.get, "/api/chat", Endpoint(.read, query: ["limit", "cursor"], ChatHandlers.list))
        router.add(.post, "/api/chat/{id}", Endpoint(.write, body: ChatBody.self, staged: ChatHandlers.post))
        router.add(.get, "/api/chat/{id}", Endpoint(.read, query: ["limit", "cursor"], ChatHandlers.show))
        router.add(.delete, "/api/chat/{id}", Endpoint(.write, ChatHandlers.delete))

        router.add(.get, "/api/jobs", Endpoint(.admin, query: JobHandlers.listQuery, JobHandlers.list))

        router.add(.get, "/api/preferences", Endpoint(.read, PreferencesHandlers.show))
        router.add(.patch, "/api/preferences", Endpoint(.write, body: PreferencesPatch.self, PreferencesHandlers.update))
        router.add(
            .post, "/api/preferences/webhook-secret", Endpoint(.write, keepsReplies: false, PreferencesHandlers.rotateSecret))
        router.add(.get, "/api/notices", Endpoint(.read, query: NoticeHandlers.listQuery, NoticeHandlers.list))
        router.add(.post, "/api/notices/{id}/read", Endpoint(.write, NoticeHandlers.markRead))
        router.add(.get, "/api/webhooks/deliveries", Endpoint(.read, query: ["limit", "cursor"], WebhookHandlers.deliveries))
        return router
    }
}
