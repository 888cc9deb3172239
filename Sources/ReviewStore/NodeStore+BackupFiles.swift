public import Foundation
import GRDB

/// The database side of backups and restores (NodeBackup in ReviewNode does the archive):
/// each opens the file at the given path itself, for the one step it needs.
extension NodeStore {
    /// Copies the database at `sourcePath` (a node may be writing it: WAL, busy timeout 10 s)
    /// into a new self-contained file at `copyPath` (rollback journal, WAL folded in) through
    /// SQLite's online backup, and returns the copy's facts.
    public static func backupCopy(from sourcePath: String, to copyPath: String) throws -> BackupFacts {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let source = try DatabaseQueue(path: sourcePath, configuration: configuration)
        // The copy holds what the database holds: owner-only, and so is its entry in the archive.
        prepareDatabaseFile(at: copyPath)
        let destination = try DatabaseQueue(path: copyPath)
        try source.backup(to: destination)
        try source.close()
        let facts = try destination.read { db in try backupFacts(db) }
        try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try destination.close()
        return facts
    }

    /// The node id recorded in the database at `path`, read only; nil when it cannot be read.
    public static func recordedNodeId(ofDatabaseAt path: String) -> String? {
        var configuration = Configuration()
        configuration.readonly = true
        return try? DatabaseQueue(path: path, configuration: configuration).read { db in try meta(db, "nodeId") }
    }

    /// Marks the restored copy at `path` before it takes the database's place: it must resync
    /// (`restoredFrom` = `marker`, `resyncPending` = `now`), an earlier resync's state is cleared,
    /// and the restore is an event.
    public static func markRestored(databaseAt path: String, marker: String, backupTakenAt: String, chainHead: String, now: Date) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try clearResyncState(db)
            try setMeta(db, "restoredFrom", marker)
            try setMeta(db, "resyncPending", now.formatted(.iso8601))
            try appendEvent(db, caseId: nil, actor: "system", action: "restored", payload: ["backupTakenAt": backupTakenAt, "chainHead": chainHead])
        }
        try queue.close()
    }

    /// What is wrong with a backup's database at `path` (read only): SQLite's integrity check,
    /// the event chain, and the chain head and node id against the manifest's. Empty when sound.
    public static func backupProblems(databaseAt path: String, chainHead expectedHead: String, nodeId expectedNode: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var problems: [String] = []
            if let integrity = try integrityProblems(db) { problems.append("integrity_check: \(integrity)") }
            if let broken = try firstBrokenEvent(db) { problems.append("the event chain breaks at event \(broken)") }
            let head = try chainHead(db)
            if head != expectedHead { problems.append("the chain head \(head.prefix(16)) is not the manifest's \(expectedHead.prefix(16))") }
            if try meta(db, "nodeId") != expectedNode { problems.append("the database's node id is not the manifest's \(expectedNode)") }
            return problems
        }
    }
}
