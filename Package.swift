// swift-tools-version:6.1
import PackageDescription

// One set of settings for every target, as Hummingbird does: explicit `any`,
// imports visible only where they are declared, internal unless marked public.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "policy-review",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reviewctl", targets: ["reviewctl"]),
        .executable(name: "county-node", targets: ["county-node"]),
        .executable(name: "city-node", targets: ["city-node"]),
        .executable(name: "published-mirror", targets: ["published-mirror"]),
        .library(name: "ReviewProtocol", targets: ["ReviewProtocol"]),
        .library(name: "ReviewRules", targets: ["ReviewRules"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The web console (issue 6): templates, password hashing, form uploads, archives.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // Operations (issue 17): the metrics API (already in the graph through Hummingbird) and
        // its Prometheus text exposition.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Codable wire types shared by every node and the CLI: the case form with its
        // 30 Art 7 elements, materials, findings, notices, opinions.
        .target(name: "ReviewProtocol", swiftSettings: swiftSettings),
        // Pure rules: linter, materials check, calendar, clocks, case state machine.
        // No networking and no database here.
        .target(name: "ReviewRules", dependencies: ["ReviewProtocol"], swiftSettings: swiftSettings),
        // libcurl, the system library (apt: libcurl4-openssl-dev), with typed setopt wrappers.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // A small async HTTP client on libcurl: every node-to-node call, and reviewctl's calls to a node.
        .target(name: "CurlClient", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        // The node's SQLite store (GRDB over the system libsqlite3): cases, revisions,
        // materials, notices, opinions, users, the hash-chained event log, outbox/inbox.
        .target(
            name: "ReviewStore",
            dependencies: [
                "ReviewProtocol", "ReviewRules",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Everything a node server is, shared by county-node and city-node: configuration,
        // the HTTP API (Hummingbird 2), authentication, the review workflow, the web console.
        .target(
            name: "ReviewNode",
            dependencies: [
                "ReviewProtocol", "ReviewRules", "ReviewStore", "CurlClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The console's Mustache templates, read once at start-up.
            resources: [.copy("Console/Templates")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "county-node", dependencies: ["ReviewNode", "ReviewProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: swiftSettings),
        .executableTarget(name: "city-node", dependencies: ["ReviewNode", "ReviewProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: swiftSettings),
        .executableTarget(
            name: "reviewctl",
            dependencies: [
                "ReviewProtocol",
                "ReviewRules",
                "ReviewStore",
                "ReviewNode",
                "CurlClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The reference consumer of the city's published feed (Art 14): mirrors it into SQLite,
        // verifying every signature against the city's key history, resumable from its cursor.
        .executableTarget(
            name: "published-mirror",
            dependencies: [
                "ReviewProtocol", "ReviewStore", "CurlClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark (release build: deploy/bench.sh): real node processes on loopback,
        // each figure beside a ceiling measured in the same run.
        .executableTarget(
            name: "review-bench",
            dependencies: [
                "ReviewProtocol", "ReviewRules", "ReviewStore", "ReviewTesting", "CurlClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fixtures shared by the test targets: the repository's Config folder and examples,
        // and helpers that start real node processes.
        .target(name: "ReviewTesting", dependencies: ["ReviewProtocol", "ReviewRules", "CurlClient"], swiftSettings: swiftSettings),
        .testTarget(name: "ReviewProtocolTests", dependencies: ["ReviewProtocol", "ReviewTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "ReviewRulesTests", dependencies: ["ReviewRules", "ReviewTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "CurlClientTests", dependencies: ["CurlClient", "ReviewTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "ReviewStoreTests", dependencies: ["ReviewStore", "ReviewTesting", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReviewNodeTests",
            dependencies: [
                "ReviewNode", "ReviewTesting", "ReviewStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built binaries (reviewctl, county-node, city-node) as real processes;
        // depends on them so that `swift test` builds them first.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "reviewctl", "county-node", "city-node", "published-mirror", "ReviewTesting", "ReviewProtocol", "CurlClient",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
