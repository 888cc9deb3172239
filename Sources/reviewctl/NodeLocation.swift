import ArgumentParser
import Foundation
import ReviewNode
import ReviewStore

/// Which node a command works on: its data directory, or its configuration file.
struct NodeLocation: ParsableArguments {
    @Option(help: ArgumentHelp("The node's data directory (holds node.sqlite).", valueName: "dir")) var dataDir: String?
    @Option(help: ArgumentHelp("A node configuration file (Config/nodes/*.json); its data directory is used.", valueName: "file")) var nodeConfig: String?

    /// The node's configuration; only with --node-config.
    func configuration() throws -> NodeConfiguration {
        guard let nodeConfig else { throw CLIFailure("give --node-config FILE (the node's configuration)") }
        do {
            return try NodeConfiguration.load(file: nodeConfig, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIFailure(String(describing: error))
        }
    }

    /// The node's data directory.
    func dataDirectory() throws -> URL {
        if nodeConfig != nil { return try configuration().dataDirectory }
        guard let dataDir = dataDir ?? ProcessInfo.processInfo.environment["REVIEW_DATA_DIR"] else {
            throw CLIFailure("give --data-dir DIR or --node-config FILE")
        }
        return URL(fileURLWithPath: dataDir)
    }

    /// The store and whether it is a city node.
    func open() throws -> (NodeStore, Bool) {
        let environment = ProcessInfo.processInfo.environment
        if let nodeConfig {
            let configuration: NodeConfiguration
            do {
                configuration = try NodeConfiguration.load(file: nodeConfig, environment: environment)
            } catch {
                throw CLIFailure(String(describing: error))
            }
            try NodeStore.createPrivateDirectory(at: configuration.dataDirectory)
            let store = try NodeStore(path: configuration.databasePath, durability: configuration.durability)
            do {
                try store.claim(nodeId: configuration.nodeId, tier: configuration.tier)
            } catch let error as StoreError {
                throw CLIFailure("\(configuration.databasePath): \(error.message)")
            }
            return (store, configuration.isCity)
        }
        guard let dataDir = dataDir ?? environment["REVIEW_DATA_DIR"] else {
            throw CLIFailure("give --data-dir DIR or --node-config FILE")
        }
        let path = URL(fileURLWithPath: dataDir).appendingPathComponent("node.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIFailure("no node database at \(path): start the node once, or use --node-config")
        }
        let store = try NodeStore(path: path)
        guard let tier = try store.nodeDetails()["tier"] else {
            throw CLIFailure("\(path) has no node identity yet: start the node once, or use --node-config")
        }
        return (store, tier == "city")
    }
}
