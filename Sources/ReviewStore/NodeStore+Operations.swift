public import Foundation
import GRDB

/// Named reads for the operator's tools (reviewctl).
extension NodeStore {
    /// The node's operations facts from `nodeMeta`: the last backup and the state of a resync
    /// after a restore (`lastBackupAt`, `resyncPending`, `resync.*`), as (key, value) by key.
    public func operationsFacts() async throws -> [(key: String, value: String)] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM nodeMeta WHERE key = 'lastBackupAt' OR key = 'resyncPending' OR key LIKE 'resync.%' ORDER BY key")
                .map { (key: $0["key"] as String, value: $0["value"] as String) }
        }
    }

    /// The event log's length, its head hash and the first event whose hash does not verify
    /// (nil: the chain is intact), in one snapshot.
    public func eventChainSummary() async throws -> (count: Int, head: String, firstBroken: Int64?) {
        try await read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0, try Self.chainHead(db), try Self.firstBrokenEvent(db))
        }
    }
}

/// The database's state the metrics endpoint turns into gauges, read in one snapshot.
public struct StoreGauges: Sendable {
    /// Per link: undelivered and dead messages, the oldest undelivered one's creation, the last delivery.
    public var queue: [(peer: String, pending: Int, dead: Int, oldest: Date?, lastDelivered: Date?, enabled: Bool)] = []
    /// Cases per state and policy level.
    public var cases: [(state: String, level: String, count: Int)] = []
    /// Per level, overdue cases by kind (`review`, `materials`, `revision`).
    public var overdue: [String: [String: Int]] = [:]
    /// ISO 8601 time of the last backup.
    public var lastBackup: String?
    /// Restored from a backup and still resyncing.
    public var restoredPending: Bool = false
}

extension NodeStore {
    /// The gauges' values on `today` (overdue means due before that date, in working days as stored).
    public func gauges(today: String) async throws -> StoreGauges {
        try await read { db -> StoreGauges in
            var snapshot = StoreGauges()
            for row in try Row.fetchAll(db, sql: """
                SELECT l.nodeId, l.enabled,
                  (SELECT COUNT(*) FROM outbox o WHERE o.peer = l.nodeId AND o.deliveredAt IS NULL AND o.discardedAt IS NULL AND o.deadAt IS NULL) AS pending,
                  (SELECT COUNT(*) FROM outbox o WHERE o.peer = l.nodeId AND o.deliveredAt IS NULL AND o.discardedAt IS NULL AND o.deadAt IS NOT NULL) AS dead,
                  (SELECT MIN(createdAt) FROM outbox o WHERE o.peer = l.nodeId AND o.deliveredAt IS NULL AND o.discardedAt IS NULL) AS oldest,
                  (SELECT MAX(deliveredAt) FROM outbox o WHERE o.peer = l.nodeId) AS lastDelivered
                FROM link l
                """) {
                snapshot.queue.append((row["nodeId"], row["pending"], row["dead"], row["oldest"], row["lastDelivered"], row["enabled"]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT state, level, COUNT(*) AS n FROM reviewCase GROUP BY state, level") {
                snapshot.cases.append((row["state"], row["level"], row["n"]))
            }
            // Overdue the way the case lists show it: a running review clock past its due date,
            // materials not supplied by their date, a revision (Art 9) not made by its date.
            for row in try Row.fetchAll(db, sql: """
                SELECT level,
                  SUM(CASE WHEN acceptedOn IS NOT NULL AND opinionIssuedOn IS NULL AND dueOn IS NOT NULL AND dueOn < ?1 THEN 1 ELSE 0 END) AS review,
                  SUM(CASE WHEN state = 'awaitingMaterials' AND materialsDueOn IS NOT NULL AND materialsDueOn < ?1 THEN 1 ELSE 0 END) AS materials,
                  SUM(CASE WHEN state IN ('opinionPassed', 'opinionNotPassed', 'revising') AND revisedOn IS NULL AND revisionDueOn IS NOT NULL
                           AND revisionDueOn < ?1 THEN 1 ELSE 0 END) AS revision
                FROM reviewCase GROUP BY level
                """, arguments: [today]) {
                snapshot.overdue[row["level"]] = ["review": row["review"] ?? 0, "materials": row["materials"] ?? 0, "revision": row["revision"] ?? 0]
            }
            snapshot.lastBackup = try Self.meta(db, "lastBackupAt")
            snapshot.restoredPending = try Self.meta(db, "resyncPending") != nil
            return snapshot
        }
    }
}

extension NodeStore {
    /// Records in the node database at `path` that a backup was taken at `date` (the metrics'
    /// backup age counts from it, whoever took the backup). Best effort: a database that cannot
    /// be opened or written is left alone.
    public static func recordBackup(inDatabaseAt path: String, at date: Date) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return }
        try? queue.write { db in try setMeta(db, "lastBackupAt", date.formatted(.iso8601)) }
        try? queue.close()
    }
}
