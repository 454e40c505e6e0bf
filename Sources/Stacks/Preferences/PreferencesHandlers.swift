// `GET|PATCH /api/preferences` and `POST /api/preferences/webhook-secret`: a member's
// preferences, kept in the database so that every worker sees a change on the very next request.
import HTTP

/// Handlers of the preference endpoints.
enum PreferencesHandlers {
    /// `GET /api/preferences`.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let preferences = try PreferencesStore(connection: context.connection()).preferences(
            memberID: context.principal().memberID)
        return Response.success(preferences, message: "Your preferences")
    }

    /// `PATCH /api/preferences`: a JSON merge patch; every bad field is named in one 400.
    static func update(_ request: Request, _ context: RequestContext, _ patch: PreferencesPatch) throws -> Response {
        // The URL is resolved before the transaction: a slow name server holds no lock.
        if case .string(let url)? = patch.members["webhook_url"], WebhookURL.formProblem(url) == nil,
            let refusal = WebhookURL.refusal(url, allowPrivate: context.config.webhookAllowPrivate)
        {
            throw Problem.invalidPreferences([FieldError(pointer: "/webhook_url", detail: refusal)])
        }
        let preferences = try PreferencesStore(connection: context.connection()).update(
            memberID: context.principal().memberID
        ) { current, hasSecret in try patch.applied(to: current, hasSecret: hasSecret) }
        return Response.success(preferences, message: "Saved your preferences")
    }

    /// `POST /api/preferences/webhook-secret`: a new signing secret, shown this once.
    static func rotateSecret(_ request: Request, _ context: RequestContext) throws -> Response {
        guard let (secret, sealed) = WebhookSecrets(keys: context.config.webhookKeys).make() else {
            throw Problem(
                .serviceUnavailable, detail: "This server cannot sign webhooks: it has no STACKS_WEBHOOK_KEYS.")
        }
        let createdAt = try PreferencesStore(connection: context.connection()).replaceSecret(
            memberID: context.principal().memberID, sealed: sealed)
        return Response.success(
            NewWebhookSecret(secret: secret, createdAt: createdAt),
            message: "Your new webhook signing secret; it is shown only now, and replaces any earlier one",
            status: .created)
    }
}

/// The answer to `POST /api/preferences/webhook-secret`.
struct NewWebhookSecret: Encodable {
    let secret: String
    let createdAt: String

    private enum CodingKeys: String, CodingKey {
        case secret
        case createdAt = "created_at"
    }
}
