public import Foundation
public import GRDB

/// What a backup records about the database it copied: enough to check the copy, and the
/// high-water marks from which a restored node asks its peers to resend (issue 17).
public struct BackupFacts: Codable, Sendable, Hashable {
    /// The node id and tier from `nodeMeta`.
    public var nodeId: String
    public var tier: String
    /// Applied migrations, in order (the schema version).
    public var migrations: [String]
    /// The last event's hash, and how many events the chain holds.
    public var chainHead: String
    public var events: Int
    /// Outbox: the last row id, the latest `createdAt`, and how many rows were not yet delivered.
    public var outboxLastRowId: Int64
    public var outboxLastCreatedAt: Date?
    public var outboxUndelivered: Int
    /// Inbox: the latest `receivedAt` per sender (the backup point of each link), and the row count.
    public var inboxLastReceivedAt: [String: Date]
    public var inboxMessages: Int
    /// Cases by state (a quick comparison after a restore).
    public var casesByState: [String: Int]
}

extension NodeStore {
    /// The facts of the database `db` as it is now.
    public static func backupFacts(_ db: Database) throws -> BackupFacts {
        let meta = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM nodeMeta").map { ($0["key"] as String, $0["value"] as String) })
        var inbox: [String: Date] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT sender, MAX(receivedAt) AS last FROM inbox GROUP BY sender") {
            if let last = row["last"] as Date? { inbox[row["sender"]] = last }
        }
        var states: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM reviewCase GROUP BY state") {
            states[row["state"]] = row["n"]
        }
        return BackupFacts(
            nodeId: meta["nodeId"] ?? "", tier: meta["tier"] ?? "",
            migrations: try migrator.appliedMigrations(db),
            chainHead: try chainHead(db),
            events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0,
            outboxLastRowId: try Int64.fetchOne(db, sql: "SELECT MAX(rowid) FROM outbox") ?? 0,
            outboxLastCreatedAt: try Date.fetchOne(db, sql: "SELECT MAX(createdAt) FROM outbox"),
            outboxUndelivered: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE deliveredAt IS NULL AND discardedAt IS NULL") ?? 0,
            inboxLastReceivedAt: inbox,
            inboxMessages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") ?? 0,
            casesByState: states)
    }

    /// `PRAGMA integrity_check`: nil when the file is sound, else SQLite's first complaints.
    public static func integrityProblems(_ db: Database) throws -> String? {
        let lines = try String.fetchAll(db, sql: "PRAGMA integrity_check(20)")
        return lines == ["ok"] ? nil : lines.joined(separator: "; ")
    }

    /// A `nodeMeta` value.
    public static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM nodeMeta WHERE key = ?"), arguments: [key])
    }

    /// Sets (or, with nil, removes) a `nodeMeta` value.
    public static func setMeta(_ db: Database, _ key: String, _ value: String?) throws {
        if let value {
            try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        } else {
            try db.execute(sql: "DELETE FROM nodeMeta WHERE key = ?", arguments: [key])
        }
    }

    /// Removes every trace of an earlier resync from `nodeMeta` (requested, pending, progress,
    /// results), so that a restored database asks its peers again.
    public static func clearResyncState(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM nodeMeta WHERE key LIKE 'resync.%' OR key IN ('resyncRequestedAt', 'resyncPending')")
    }

    /// Forgets delivered messages older than `cutoff`, except the last one of each case's
    /// queue (it carries the per-case sequence the next message continues from), and the
    /// frames kept with received messages older than `cutoff`. Returns (outbox rows removed,
    /// inbox frames dropped).
    public static func pruneDelivered(_ db: Database, before cutoff: Date) throws -> (outbox: Int, frames: Int) {
        try db.execute(sql: """
            DELETE FROM outbox WHERE deliveredAt IS NOT NULL AND deliveredAt < ?1 AND caseSequence <
              (SELECT MAX(p.caseSequence) FROM outbox p WHERE p.peer = outbox.peer AND p.caseId IS outbox.caseId)
            """, arguments: [cutoff])
        let outbox = db.changesCount
        try db.execute(sql: "DELETE FROM inboxAttachment WHERE id IN (SELECT id FROM inbox WHERE frame IS NOT NULL AND receivedAt < ?)", arguments: [cutoff])
        try db.execute(sql: "UPDATE inbox SET frame = NULL, signature = NULL WHERE frame IS NOT NULL AND receivedAt < ?", arguments: [cutoff])
        return (outbox, db.changesCount)
    }
}
