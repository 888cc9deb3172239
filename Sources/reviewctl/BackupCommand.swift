import ArgumentParser
import CurlClient
import Foundation
import ReviewNode
import ReviewStore

/// `reviewctl backup`: an online backup of a node (running or not) into one 0600 ZIP file
/// (`node.sqlite` through SQLite's backup API, `node.key`, `manifest.json`); `backup verify`.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Back a node up while it runs, or verify a backup.",
        subcommands: [Create.self, Verify.self], defaultSubcommand: Create.self)

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Copy node.sqlite (SQLite online backup), node.key and a manifest into FILE (mode 0600; it holds the private key).")
        @OptionGroup var location: NodeLocation
        @Option(help: ArgumentHelp("The archive to write (must not exist).", valueName: "file")) var to: String

        func run() throws {
            let directory = try location.dataDirectory()
            let file = URL(fileURLWithPath: to)
            let started = Date()
            let manifest: BackupManifest
            do {
                manifest = try NodeBackup.create(dataDirectory: directory, to: file)
            } catch let error as NodeBackupError {
                throw CLIFailure(error.message)
            }
            let seconds = Date().timeIntervalSince(started)
            // The node's backup age (metrics) counts from the last backup, whoever took it.
            let path = directory.appendingPathComponent("node.sqlite").path
            NodeStore.recordBackup(inDatabaseAt: path, at: manifest.createdAt)
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            print(String(format: "backup of node %@ written to %@: %d bytes (database %d bytes), %.2f s; chain head %@, %d events, %d messages not yet delivered",
                         manifest.facts.nodeId, file.path, size, manifest.databaseBytes, seconds, String(manifest.facts.chainHead.prefix(16)),
                         manifest.facts.events, manifest.facts.outboxUndelivered))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a backup: manifest, database digest, SQLite integrity_check, the event chain up to the manifest's head, the key's fingerprint. Exit 1 when it fails.")
        @Argument(help: "The backup archive.") var file: String

        func run() throws {
            let report: NodeBackup.Report
            do {
                report = try NodeBackup.verify(URL(fileURLWithPath: file))
            } catch let error as NodeBackupError {
                throw CLIFailure(error.message)
            }
            let facts = report.manifest.facts
            guard report.problems.isEmpty else {
                FileHandle.standardError.write(Data("reviewctl: backup verify: \(file): \(report.problems.joined(separator: "; "))\n".utf8))
                throw ExitCode(1)
            }
            print("backup intact: node \(facts.nodeId) (\(facts.tier)), taken \(report.manifest.createdAt.formatted(.iso8601)), schema \(facts.migrations.last ?? "-"), "
                  + "\(facts.events) events, chain head \(facts.chainHead.prefix(16)), cases \(facts.casesByState.values.reduce(0, +)), "
                  + "key \(report.manifest.keyFingerprint ?? "absent")")
        }
    }
}

/// `reviewctl restore FILE --data-dir DIR`: into a stopped node.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into a stopped node's data directory; the node resyncs with its peers on its next start.")
    @Argument(help: "The backup archive.") var file: String
    @OptionGroup var location: NodeLocation
    @Option(help: ArgumentHelp("Refuse a backup of any other node (default: the node id of the database being replaced, or of --node-config).",
                               valueName: "id")) var nodeId: String?

    func run() async throws {
        let directory = try location.dataDirectory()
        let expected = try nodeId ?? (location.nodeConfig != nil ? location.configuration().nodeId : nil)
        try await refuseIfRunning(directory)
        let started = Date()
        let restored: NodeBackup.Restored
        do {
            restored = try NodeBackup.restore(URL(fileURLWithPath: file), into: directory, expectedNodeId: expected)
        } catch let error as NodeBackupError {
            throw CLIFailure(error.message)
        }
        let facts = restored.manifest.facts
        print(String(format: "restored node %@ from the backup taken %@ into %@ in %.2f s; ", facts.nodeId, restored.manifest.createdAt.formatted(.iso8601),
                     directory.path, Date().timeIntervalSince(started))
              + (restored.setAside.map { "the files it replaced are in \($0.path); " } ?? "")
              + (restored.keyInstalled ? "node.key installed from the backup; " : "the directory's node.key kept; ")
              + "start the node: it asks its peers to resend what it lost")
    }

    /// A running node answers /health on the port in node.port.
    func refuseIfRunning(_ directory: URL) async throws {
        guard let text = FileManager.default.contents(atPath: directory.appendingPathComponent("node.port").path),
              let port = Int(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        var configuration = CurlHTTPClient.Configuration()
        configuration.timeout = 3
        configuration.connectTimeout = 2
        let client = CurlHTTPClient(configuration: configuration)
        let answered = (try? await client.send(HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(port)/health", headers: [], body: Data())))?
            .status == 200
        if answered { throw CLIFailure("the node in \(directory.path) is running (it answers on port \(port)): stop it first") }
    }
}
