// API keys: `stacks key create` (shown once; --save keeps it as this server's credential),
// `stacks key list`, `stacks key revoke ID`. Creating needs a credential of the member, its
// password, or — on a server in open-key mode — only a guest's email.
import Foundation
import StacksWire

/// The key commands.
enum KeyCommands {
    /// `stacks key create`.
    static let create = Command(
        CommandSpec(
            "key create",
            options: [
                .valued("--label", "TEXT", "a name to tell the key apart"),
                .valued("--scopes", "LIST", "e.g. read or read,write (at most your own)"),
                .valued("--email", "EMAIL", "whose key (else the logged-in member's)"),
                .flag(
                    "--password-stdin", "send the password read from stdin (needed without a credential, unless open-key mode)"),
                .flag("--save", "keep the key as this server's credential in the credentials file"),
            ], "Make an API key; it is shown only once.")
    ) { (context: inout Context) throws(ClientError) in
        let email = try await email(&context)
        let password = context.invocation.has("--password-stdin") ? try SessionCommands.password(context) : nil
        let scopes = context.invocation.value("--scopes").map { $0.split(separator: ",").map { String($0) } }
        let body = GenerateKeyBody(email: email, password: password, label: context.invocation.value("--label"), scopes: scopes)
        let call = APICall(
            "POST", "/api/auth/generate-key", body: JSONText.encode(body), authenticated: context.client.credential != .none,
            resending: .onlyUnsent)
        let response = try await context.client.send(call)
        let data = try response.data()
        let key = try response.decoded(GeneratedKey.self)
        if context.invocation.has("--save") {
            let server = context.server.key
            try context.store.update { (document: inout CredentialsDocument) throws(ClientError) in
                var entry = document.servers[server] ?? StoredCredential()
                if entry.email != key.email {
                    entry = StoredCredential(email: key.email)
                }
                entry.apiKey = key.apiKey
                document.servers[server] = entry
            }
        }
        context.show(data) { _ in
            FieldList([
                ("api_key", key.apiKey), ("key_id", String(key.keyID)), ("prefix", key.prefix), ("email", key.email),
                ("scopes", key.scopes.joined(separator: " ")), ("label", key.label ?? "-"),
            ]).render(width: .max)
        }
        context.console.note(
            context.invocation.has("--save") ? "Saved in \(context.store.path)." : "Store the key now: it is shown only once.")
    }

    /// `stacks key list`.
    static let list = Command(CommandSpec("key list", "", "List your API keys (never the secrets).")) {
        (context: inout Context) throws(ClientError) in
        let keys = try await context.data(.get("/api/auth/keys"))
        context.show(keys) { keys in
            guard !keys.elements.isEmpty else { return "No keys." }
            return Table(
                columns: [
                    Column("ID", alignRight: true), Column("PREFIX"), Column("LABEL", flexible: true), Column("SCOPES"),
                    Column("CREATED"), Column("REVOKED"),
                ],
                rows: keys.elements.map { key in
                    [
                        key.text("id"), key.text("prefix"), key.text("label"), key.text("scopes"), key.time("created_at"),
                        key.time("revoked_at"),
                    ]
                }
            ).render(width: context.width)
        }
    }

    /// `stacks key revoke ID`.
    static let revoke = Command(
        CommandSpec("key revoke", "ID", positionals: 1...1, "Revoke one of your API keys: it fails at once everywhere.")
    ) {
        (context: inout Context) throws(ClientError) in
        let id = try context.invocation.id(at: 0, "a key id")
        let response = try await context.client.send(APICall("DELETE", "/api/auth/keys/\(id)"))
        guard response.isSuccess else { throw response.problem }
        if !context.invocation.wantsJSON { context.console.print("Revoked key \(id).") }
    }

    /// Whose key: --email, else the stored login's email, else the caller's, asked of the server.
    private static func email(_ context: inout Context) async throws(ClientError) -> String {
        if let email = context.invocation.value("--email") { return email }
        if case .session(let stored) = context.client.credential, let email = stored.email { return email }
        guard context.client.credential != .none else {
            throw .usage("stacks key create needs --email (or stacks login first)")
        }
        let me = try await context.data(.get("/api/auth/me"))
        guard let email = me.string("email") else { throw .problem(detail: "the server did not say who you are", status: 200) }
        return email
    }
}
