// swift-tools-version:6.0
// Stacks: a stateless library-management REST API served by FastCGI workers.
// Layers are modules and imports point down: C bindings → HTTP/FastCGI/Postgres/Crypto/Addresses/Outbound/PlainHTTP →
// Stacks → stacks-fcgi, stacks-jobs, stacks-fuzz. Only stacks-jobs links libcurl (Outbound): the workers stay light to start, and
// reach a model server through PlainHTTP (POSIX sockets, plain http only).
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
        .systemLibrary(name: "CLibFuzzer"),

        .target(name: "HTTP"),
        .target(name: "FastCGI", dependencies: ["CFastCGI", "HTTP"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Crypto", dependencies: ["CSodium"]),
        .target(name: "Addresses"),
        .target(name: "Outbound", dependencies: ["CCurl", "Addresses"]),
        .target(name: "PlainHTTP", dependencies: ["Addresses"]),
        .target(name: "Stacks", dependencies: ["HTTP", "Postgres", "Crypto", "Addresses", "PlainHTTP"]),
        .executableTarget(name: "stacks-fcgi", dependencies: ["Stacks", "FastCGI", "HTTP", "Postgres", "Crypto"]),
        .executableTarget(name: "stacks-jobs", dependencies: ["Stacks", "Postgres", "Outbound"]),
        // The fuzz targets of our parsers (deploy/fuzz); a normal build replays their corpus, Tests/Fuzz/corpus.
        .executableTarget(name: "stacks-fuzz", dependencies: ["CLibFuzzer", "Stacks", "FastCGI", "HTTP", "Crypto"]),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "HTTP"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound", "Addresses"]),
        .testTarget(name: "PlainHTTPTests", dependencies: ["PlainHTTP"]),
        .testTarget(name: "StacksTests", dependencies: ["Stacks", "HTTP", "Postgres", "Crypto", "Outbound"]),
        .testTarget(name: "FuzzTests", dependencies: ["stacks-fuzz"], path: "Tests/Fuzz", exclude: ["corpus"]),
    ],
    swiftLanguageModes: [.v6]
)
