// `stacks login` (email and password → a session kept in the credentials file) and `stacks
// logout` (the session revoked on the server, then forgotten here). The password is read without
// echo from the terminal, or from the first line of stdin with --password-stdin.
import Foundation
import StacksWire

/// The session commands.
enum SessionCommands {
    /// `stacks login`.
    static let login = Command(
        CommandSpec(
            "login",
            options: [
                .valued("--email", "EMAIL", "your email (else asked for)"),
                .flag("--password-stdin", "read the password from the first line of stdin"),
            ], "Log in with email and password; the session is kept in the credentials file, per server.")
    ) { (context: inout Context) throws(ClientError) in
        let email = try email(context)
        let password = try password(context)
        let response = try await context.client.send(
            APICall(
                "POST", "/api/auth/login", body: JSONText.encode(LoginBody(email: email, password: password)),
                authenticated: false, resending: .harmless))
        let pair = try response.decoded(TokenPair.self)
        let server = context.server.key
        try context.store.update { (document: inout CredentialsDocument) throws(ClientError) in
            var entry = StoredCredential(email: email, pair: pair, at: Date())
            entry.apiKey = document.servers[server]?.email == email ? document.servers[server]?.apiKey : nil
            document.servers[server] = entry
        }
        if context.invocation.wantsJSON {
            context.console.print(
                JSONText.pretty(.object(["email": .string(email), "server": .string(server), "scope": .string(pair.scope)])))
        } else {
            context.console.print(
                "Logged in to \(server) as \(email) (\(pair.scope)); the session is kept in \(context.store.path).")
        }
    }

    /// `stacks logout`.
    static let logout = Command(CommandSpec("logout", "", "End the session on the server and forget this server's credentials."))
    {
        (context: inout Context) throws(ClientError) in
        let server = context.server.key
        guard let entry = try context.store.load().servers[server], !entry.isEmpty else {
            context.console.print("Not logged in to \(server).")
            return
        }
        var ended: ClientError?
        if entry.refreshToken != nil || entry.accessToken != nil {
            var client = APIClient(server: context.server, credential: .session(entry), store: nil, policy: context.client.policy)
            do throws(ClientError) {
                let response = try await client.send(
                    .send("POST", "/api/auth/logout", LogoutBody(refreshToken: entry.refreshToken)))
                if !response.isSuccess && response.status != 401 { ended = response.problem }
            } catch {
                // A session that cannot be refreshed has ended already; anything else is reported.
                if case .problem(_, 401) = error {} else { ended = error }
            }
        }
        try context.store.update { (document: inout CredentialsDocument) throws(ClientError) in document.servers[server] = nil }
        if let ended {
            context.console.note("the credentials are forgotten here, but the session could not be ended on the server:")
            throw ended
        }
        context.console.print(
            "Logged out of \(server)."
                + (entry.apiKey != nil
                    ? " The saved API key is forgotten here but stays valid: stacks key revoke ID ends it." : ""))
    }

    /// The email: --email, else a line typed at the terminal.
    static func email(_ context: Context) throws(ClientError) -> String {
        if let email = context.invocation.value("--email") { return email }
        guard context.console.terminal.inputIsTerminal else {
            throw .usage("give the email with --email (stdin is not a terminal)")
        }
        context.console.noteInline("email: ")
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw .usage("no email given") }
        return line.trimmingCharacters(in: .whitespaces)
    }

    /// The password: the first line of stdin with --password-stdin, else typed at the terminal without echo.
    static func password(_ context: Context) throws(ClientError) -> String {
        if context.invocation.has("--password-stdin") {
            guard let line = readLine(strippingNewline: true) else { throw .usage("--password-stdin: stdin is empty") }
            return line
        }
        guard context.console.terminal.inputIsTerminal else {
            throw .usage("no terminal to read the password from: use --password-stdin")
        }
        guard let line = context.console.terminal.readSecret(prompt: "password: ") else { throw .usage("no password given") }
        return line
    }
}
