// swift-tools-version:6.0
// Stacks: a stateless library-management REST API served by FastCGI workers.
// Layers are modules and imports point down: C bindings → HTTP/FastCGI/Postgres/Crypto → Stacks → stacks-fcgi, stacks-jobs.
import PackageDescription

let package = Package(
    name: "Stacks",
    products: [
        .executable(name: "stacks-fcgi", targets: ["stacks-fcgi"]),
        .executable(name: "stacks-jobs", targets: ["stacks-jobs"]),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CSodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "HTTP"),
        .target(name: "FastCGI", dependencies: ["CFastCGI", "HTTP"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Crypto", dependencies: ["CSodium"]),
        .target(name: "Outbound", dependencies: ["CCurl"]),
        .target(name: "Stacks", dependencies: ["HTTP", "Postgres", "Crypto"]),
        .executableTarget(name: "stacks-fcgi", dependencies: ["Stacks", "FastCGI", "HTTP", "Postgres", "Crypto"]),
        .executableTarget(name: "stacks-jobs", dependencies: ["Stacks", "Postgres"]),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "HTTP"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound"]),
        .testTarget(name: "StacksTests", dependencies: ["Stacks", "HTTP", "Postgres", "Crypto"]),
    ],
    swiftLanguageModes: [.v6]
)
