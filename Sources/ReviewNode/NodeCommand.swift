public import ArgumentParser
import Foundation
public import ReviewProtocol

/// The options of `county-node` and `city-node`.
public struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A node configuration (see Config/nodes/); instead, REVIEW_NODE_CONFIG may name it.", valueName: "file"))
    public var config: String?

    public init() {}
}

/// A node executable: `county-node --config FILE` / `city-node --config FILE`. Bad arguments
/// are one line on stderr and exit code 2, as for reviewctl; `--help` prints the usage.
public protocol NodeCommand: AsyncParsableCommand {
    /// The tier this executable runs; a configuration of the other tier is refused.
    static var tier: Tier { get }
    var options: NodeOptions { get }
}

extension NodeCommand {
    /// The command line's description for `--help`.
    public static func commandConfiguration(tier: Tier) -> CommandConfiguration {
        CommandConfiguration(
            commandName: tier == .county ? "county-node" : "city-node",
            abstract: "Runs a \(tier.rawValue) review node.",
            discussion: """
                Environment: REVIEW_NODE_CONFIG (instead of --config), REVIEW_PORT, REVIEW_HOST,
                REVIEW_DATA_DIR, REVIEW_LOG_LEVEL; REVIEW_TODAY=YYYY-MM-DD pins the date (tests only).
                """)
    }

    public func run() async throws {
        await NodeApplication.run(tier: Self.tier, configPath: options.config)
    }

    /// Parses the command line and runs the node.
    public static func start() async {
        do {
            try await parseAndRun()
        } catch {
            // Help requests exit 0 with their text; parse errors become one line, exit code 2.
            if exitCode(for: error) == .success { exit(withError: error) }
            let firstLine = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            NodeApplication.fail(configuration.commandName ?? "node", firstLine + " (see --help)")
        }
    }
}

extension ParsableCommand {
    /// Parses the command line (this type as the root) and runs the chosen command, awaiting
    /// an async one. Errors, parse errors included, are thrown for the caller to report.
    public static func parseAndRun() async throws {
        var command = try parseAsRoot()
        if var command = command as? any AsyncParsableCommand {
            try await command.run()
        } else {
            try command.run()
        }
    }
}
