// Configuration: defaults, every bad value refused with a one-line reason.
import Testing

@testable import Stacks

@Suite struct ConfigTests {
    static let key = "k1:" + String(repeating: "s", count: 32)

    @Test("applies defaults when only the JWT keys are set")
    func defaults() throws {
        let config = try Config(environment: ["STACKS_JWT_KEYS": Self.key, "PATH": "/bin"])
        #expect(config.jwtKeys.map(\.id) == ["k1"])
        #expect(config.maxRequests == 0)
        #expect(config.maxBody == 1_048_576)
        #expect(config.statementTimeoutMS == 5000)
        #expect(config.openKeys == false)
        #expect(config.refreshGrace == 30)
        #expect(config.preparedStatements)
        #expect(config.chatMaxMessages == 1000)
        #expect(config.databaseParameters["dbname"] == nil)
        #expect(config.databaseParameters["options"] == "-c statement_timeout=5000")
        #expect(config.webhookKeys.isEmpty)
        #expect(config.webhookTimeoutMS == 5000)
        #expect(config.webhookRetrySeconds == 86_400)
        #expect(!config.webhookAllowPrivate)
        #expect(config.noticeScanSeconds == 60)
    }

    @Test("reads the notice and webhook settings")
    func readsWebhookSettings() throws {
        let config = try Config(environment: [
            "STACKS_JWT_KEYS": Self.key,
            "STACKS_WEBHOOK_KEYS": "w2:" + String(repeating: "n", count: 32) + ",w1:"
                + String(repeating: "o", count: 32), "STACKS_WEBHOOK_TIMEOUT_MS": "1000", "STACKS_WEBHOOK_RETRY_HOURS": "0.005",
            "STACKS_WEBHOOK_ALLOW_PRIVATE": "true", "STACKS_NOTICE_SCAN_SECONDS": "1",
        ])
        #expect(config.webhookKeys.map(\.id) == ["w2", "w1"])
        #expect(config.webhookTimeoutMS == 1000)
        #expect(abs(config.webhookRetrySeconds - 18) < 0.000_1)
        #expect(config.webhookAllowPrivate)
        #expect(config.noticeScanSeconds == 1)
    }

    @Test("reads the model backend's settings; the librarian, the default, ignores them")
    func readsModelSettings() throws {
        let llm = [
            "STACKS_JWT_KEYS": Self.key, "STACKS_ASSISTANT": "llm", "STACKS_LLM_URL": "http://127.0.0.1:11434/v1",
            "STACKS_LLM_MODEL": "qwen2.5:7b-instruct", "STACKS_LLM_TIMEOUT_MS": "1500", "STACKS_LLM_API_KEY": "sk-local",
            "STACKS_LLM_MAX_TOOL_ROUNDS": "2",
        ]
        let config = try Config(environment: llm)
        #expect(config.assistant == .llm)
        let model = try #require(config.model)
        #expect(model.endpoint.description == "http://127.0.0.1:11434/v1/chat/completions")
        #expect(model.model == "qwen2.5:7b-instruct")
        #expect(model.timeoutMS == 1500)
        #expect(model.apiKey == "sk-local")
        #expect(model.maxToolRounds == 2)
        var librarian = llm
        librarian["STACKS_ASSISTANT"] = "librarian"
        #expect(try Config(environment: librarian).model == nil)
        let defaults = try Config(environment: ["STACKS_JWT_KEYS": Self.key])
        #expect(defaults.assistant == .librarian && defaults.model == nil)
        llm.keys.filter { $0 != "STACKS_JWT_KEYS" }.forEach { #expect(Config.workerNames.contains($0), "\($0)") }
    }

    @Test("reads every setting")
    func reads() throws {
        let config = try Config(environment: [
            "STACKS_JWT_KEYS": Self.key + ",old:" + String(repeating: "o", count: 40), "STACKS_MAX_REQUESTS": "1",
            "STACKS_MAX_BODY": "65536", "STACKS_STATEMENT_TIMEOUT_MS": "250", "STACKS_OPEN_KEYS": "true",
            "STACKS_REFRESH_GRACE": "0", "STACKS_PREPARED_STATEMENTS": "false", "DATABASE_URL": "postgresql:///stacks",
            "STACKS_PORT": "8080", "STACKS_CHAT_MAX_MESSAGES": "40",
        ])
        #expect(config.jwtKeys.map(\.id) == ["k1", "old"])
        #expect(config.maxRequests == 1)
        #expect(config.maxBody == 65536)
        #expect(config.openKeys)
        #expect(config.refreshGrace == 0)
        #expect(!config.preparedStatements)
        #expect(config.chatMaxMessages == 40)
        #expect(config.databaseParameters["dbname"] == "postgresql:///stacks")
        #expect(config.databaseParameters["options"] == "-c statement_timeout=250")
    }

    @Test(
        "refuses bad values with a reason naming the setting",
        arguments: [
            ([:], "STACKS_JWT_KEYS is required"),
            (["STACKS_JWT_KEYS": ""], "STACKS_JWT_KEYS is required"),
            (["STACKS_JWT_KEYS": "k1:short"], "shorter than 32 bytes"),
            (["STACKS_JWT_KEYS": String(repeating: "s", count: 40)], "kid:secret"),
            (["STACKS_JWT_KEYS": "k/1:" + String(repeating: "s", count: 40)], "kid:secret"),
            (["STACKS_JWT_KEYS": key + "," + key], "appears twice"),
            (["STACKS_JWT_KEYS": key + ","], "kid:secret"),
            (["STACKS_JWT_KEYS": key, "STACKS_MAX_REQUESTS": "-1"], "STACKS_MAX_REQUESTS must be an integer"),
            (["STACKS_JWT_KEYS": key, "STACKS_MAX_REQUESTS": "ten"], "STACKS_MAX_REQUESTS must be an integer"),
            (["STACKS_JWT_KEYS": key, "STACKS_MAX_BODY": "12"], "STACKS_MAX_BODY must be an integer"),
            (["STACKS_JWT_KEYS": key, "STACKS_MAX_BODY": "1e6"], "STACKS_MAX_BODY must be an integer"),
            (["STACKS_JWT_KEYS": key, "STACKS_STATEMENT_TIMEOUT_MS": "0"], "STACKS_STATEMENT_TIMEOUT_MS"),
            (["STACKS_JWT_KEYS": key, "STACKS_OPEN_KEYS": "yes"], "STACKS_OPEN_KEYS must be true or false"),
            (["STACKS_JWT_KEYS": key, "STACKS_REFRESH_GRACE": "301"], "STACKS_REFRESH_GRACE must be an integer from 0 to 300"),
            (["STACKS_JWT_KEYS": key, "STACKS_CHAT_MAX_MESSAGES": "1"], "STACKS_CHAT_MAX_MESSAGES must be an integer from 2"),
            (["STACKS_JWT_KEYS": key, "STACKS_MAX_REQUETS": "1"], "unknown setting STACKS_MAX_REQUETS"),
            (["STACKS_JWT_KEYS": key, "STACKS_WEBHOOK_KEYS": "w1:short"], "STACKS_WEBHOOK_KEYS: the secret of key 'w1'"),
            (["STACKS_JWT_KEYS": key, "STACKS_WEBHOOK_TIMEOUT_MS": "50"], "STACKS_WEBHOOK_TIMEOUT_MS must be an integer"),
            (["STACKS_JWT_KEYS": key, "STACKS_WEBHOOK_RETRY_HOURS": "-1"], "STACKS_WEBHOOK_RETRY_HOURS must be a number"),
            (
                ["STACKS_JWT_KEYS": key, "STACKS_WEBHOOK_ALLOW_PRIVATE": "1"],
                "STACKS_WEBHOOK_ALLOW_PRIVATE must be true or false"
            ),
            (["STACKS_JWT_KEYS": key, "STACKS_NOTICE_SCAN_SECONDS": "0"], "STACKS_NOTICE_SCAN_SECONDS must be an integer"),
            (["STACKS_JWT_KEYS": key, "STACKS_ASSISTANT": "gpt"], "STACKS_ASSISTANT must be librarian or llm, not 'gpt'"),
            (
                ["STACKS_JWT_KEYS": key, "STACKS_ASSISTANT": "llm"],
                "STACKS_ASSISTANT=llm needs STACKS_LLM_URL and STACKS_LLM_MODEL"
            ),
            (
                ["STACKS_JWT_KEYS": key, "STACKS_ASSISTANT": "llm", "STACKS_LLM_URL": "http://127.0.0.1:8081"],
                "STACKS_ASSISTANT=llm needs STACKS_LLM_URL and STACKS_LLM_MODEL"
            ),
            (
                ["STACKS_JWT_KEYS": key, "STACKS_LLM_URL": "https://api.openai.com/v1"],
                "STACKS_LLM_URL must be an http:// base URL such as http://127.0.0.1:8081 (bad URL: https is not supported"
            ),
            (["STACKS_JWT_KEYS": key, "STACKS_LLM_URL": "http://x/v1?key=1"], "STACKS_LLM_URL must be an http:// base URL"),
            (
                ["STACKS_JWT_KEYS": key, "STACKS_LLM_TIMEOUT_MS": "30000"],
                "STACKS_LLM_TIMEOUT_MS must be an integer from 100 to 25000"
            ),
            (
                ["STACKS_JWT_KEYS": key, "STACKS_LLM_MAX_TOOL_ROUNDS": "0"],
                "STACKS_LLM_MAX_TOOL_ROUNDS must be an integer from 1 to 16"
            ),
            (["STACKS_JWT_KEYS": key, "STACKS_LLM_API_KEY": "sk 1"], "STACKS_LLM_API_KEY must be printable ASCII"),
        ])
    func refuses(environment: [String: String], reason: String) {
        do {
            _ = try Config(environment: environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(!error.description.contains("\n"))
            #expect(!error.description.contains(String(repeating: "s", count: 32)), "a secret leaked into the reason")
        }
    }
}
