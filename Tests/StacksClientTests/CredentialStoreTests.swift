// The credentials file: made 0600 in a 0700 folder, replaced atomically (no temporary file left,
// a looser mode never kept), entries per server, a file it cannot read refused with a clear error;
// and the server addresses that name the entries, written one way.
import Foundation
import Testing

@testable import StacksClient

@Suite struct CredentialStoreTests {
    /// A folder path of its own under the temporary directory (not made yet).
    func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "stacks-tests-" + UUID().uuidString
    }

    /// A store in `root` whose file already holds `text`, with `mode`.
    func store(in root: String, holding text: String, mode: Int = 0o600) throws -> CredentialStore {
        let store = CredentialStore(directory: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: store.path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        return store
    }

    @Test("makes the folder 0700 and the file 0600, and reads back what it wrote per server")
    func roundTrip() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = CredentialStore(directory: root + "/config/stacks")
        #expect(try store.load() == CredentialsDocument())
        try store.update { (document: inout CredentialsDocument) throws(ClientError) in
            document.servers["http://a:1"] = StoredCredential(email: "a@b.c", apiKey: "stk_1")
            document.servers["http://b:2"] = StoredCredential(
                email: "d@e.f", accessToken: "t", accessExpiresAt: 5, refreshToken: "rt")
        }
        #expect(store.fileMode() == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: store.directory)[.posixPermissions] as? Int
        #expect(folder == 0o700)
        let document = try store.load()
        #expect(document.servers["http://a:1"]?.apiKey == "stk_1")
        #expect(document.servers["http://b:2"]?.refreshToken == "rt")
        let files = try FileManager.default.contentsOfDirectory(atPath: store.directory).sorted()
        #expect(files == ["credentials.json", "credentials.lock"])
    }

    @Test("replaces a file someone made readable by others with a 0600 one")
    func tightensMode() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try store(in: root, holding: #"{"servers":{}}"#, mode: 0o644)
        try store.update { (document: inout CredentialsDocument) throws(ClientError) in
            document.servers["x"] = StoredCredential(apiKey: "k")
        }
        #expect(store.fileMode() == 0o600)
    }

    @Test("refuses a file it cannot read, saying which")
    func unreadable() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try store(in: root, holding: "not json")
        #expect(throws: ClientError.self) { try store.load() }
        do {
            _ = try store.load()
        } catch {
            #expect(error.line.contains(store.path) && error.exitCode == 1)
        }
    }

    @Test("lives in XDG_CONFIG_HOME when it is set, else in ~/.config")
    func location() throws {
        #expect(
            try CredentialStore(environment: ["XDG_CONFIG_HOME": "/x/c", "HOME": "/h"]).path == "/x/c/stacks/credentials.json")
        #expect(try CredentialStore(environment: ["HOME": "/h"]).path == "/h/.config/stacks/credentials.json")
        #expect(try CredentialStore(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/h"]).directory == "/h/.config/stacks")
        #expect(throws: ClientError.self) { try CredentialStore(environment: [:]) }
    }

    @Test("counts an access token as expired from ten seconds before its expiry")
    func expiry() {
        let credential = StoredCredential(accessToken: "t", accessExpiresAt: 1000, refreshToken: "r")
        #expect(!credential.accessExpired(at: Date(timeIntervalSince1970: 989)))
        #expect(credential.accessExpired(at: Date(timeIntervalSince1970: 990)))
        #expect(!StoredCredential(apiKey: "k").accessExpired(at: Date()))
    }

    @Test("prefers STACKS_API_KEY, then a stored session, then a stored key")
    func choice() {
        let session = StoredCredential(accessToken: "t", refreshToken: "r", apiKey: "k")
        #expect(Credential.chosen(environment: ["STACKS_API_KEY": "env"], stored: session) == .apiKey("env"))
        #expect(Credential.chosen(environment: ["STACKS_API_KEY": ""], stored: session) == .session(session))
        #expect(Credential.chosen(environment: [:], stored: StoredCredential(apiKey: "k")) == .apiKey("k"))
        #expect(Credential.chosen(environment: [:], stored: nil) == .none)
    }

    @Test("names a server one way: lowercase scheme and host, no trailing slash")
    func addresses() throws {
        #expect(try ServerAddress("HTTP://Example.ORG:8080/").key == "http://example.org:8080")
        #expect(try ServerAddress("https://h/stacks/").url(path: "/api/books").absoluteString == "https://h/stacks/api/books")
        #expect(try ServerAddress.chosen(option: nil, environment: [:]).key == "http://127.0.0.1:8080")
        #expect(try ServerAddress.chosen(option: nil, environment: ["STACKS_URL": "http://h:1"]).key == "http://h:1")
        #expect(try ServerAddress.chosen(option: "http://o:2", environment: ["STACKS_URL": "http://h:1"]).key == "http://o:2")
        for bad in ["ftp://h", "h:8080", "http://", "http://h/?q=1", "http://u@h"] {
            #expect(throws: ClientError.self, "\(bad)") { try ServerAddress(bad) }
        }
    }
}
