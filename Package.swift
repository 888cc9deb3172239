// swift-tools-version:6.1
import PackageDescription

// One set of settings for every target, as Hummingbird does: explicit `any`,
// imports visible only where they are declared.
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
        .library(name: "ReviewProtocol", targets: ["ReviewProtocol"]),
        .library(name: "ReviewRules", targets: ["ReviewRules"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Codable wire types shared by every node and the CLI: the case form with its
        // 30 Art 7 elements, materials, findings, notices, opinions.
        .target(name: "ReviewProtocol", swiftSettings: swiftSettings),
        // Pure rules: linter, materials check, calendar, clocks, case state machine.
        // No networking and no database here.
        .target(name: "ReviewRules", dependencies: ["ReviewProtocol"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "reviewctl",
            dependencies: [
                "ReviewProtocol",
                "ReviewRules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fixtures shared by the test targets: the repository's Config folder and examples.
        .target(name: "ReviewTesting", dependencies: ["ReviewProtocol", "ReviewRules"], swiftSettings: swiftSettings),
        .testTarget(name: "ReviewProtocolTests", dependencies: ["ReviewProtocol", "ReviewTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "ReviewRulesTests", dependencies: ["ReviewRules", "ReviewTesting"], swiftSettings: swiftSettings),
        // Runs the built reviewctl binary; depends on it so that `swift test` builds it first.
        .testTarget(name: "ReviewctlTests", dependencies: ["reviewctl", "ReviewTesting"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
