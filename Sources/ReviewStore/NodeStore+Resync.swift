public import Foundation
public import GRDB

/// What a resync after a restore reads and writes (Resync.swift in ReviewNode), inside the
/// caller's transaction.
extension NodeStore {
    /// The links that send and accept messages.
    public static func enabledLinks(_ db: StoreTransaction) throws -> [LinkRecord] {
        try LinkRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM link WHERE enabled = 1"))
    }

    /// Per case, the last sequence applied from `sender`.
    public static func appliedSequences(_ db: StoreTransaction, sender: String) throws -> [String: Int] {
        var applied: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT caseId, lastSequence FROM inboxSequence WHERE sender = ?", arguments: [sender]) {
            applied[row["caseId"]] = row["lastSequence"]
        }
        return applied
    }

    /// Per case, the last sequence queued for `peer` (discarded messages not counted).
    public static func sentSequences(_ db: StoreTransaction, peer: String) throws -> [String: Int] {
        var sent: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT caseId, MAX(caseSequence) AS last FROM outbox WHERE peer = ? AND caseId IS NOT NULL AND discardedAt IS NULL GROUP BY caseId
            """, arguments: [peer]) {
            sent[row["caseId"]] = row["last"]
        }
        return sent
    }

    /// This node's case messages to `peer` that belong to its history (delivered or still
    /// queued; not dead letters, not discarded), by case and sequence, with whole frames.
    public static func caseMessagesSent(_ db: StoreTransaction, to peer: String) throws -> [OutboxRecord] {
        try OutboxRecord.withFrames(db, OutboxRecord.fetchAll(db, sql: """
            SELECT o.*, b.body, b.signature FROM outbox o JOIN outboxBody b ON b.id = o.id
            WHERE o.peer = ? AND o.caseId IS NOT NULL AND o.discardedAt IS NULL AND (o.deadAt IS NULL OR o.deliveredAt IS NOT NULL)
            ORDER BY o.caseId, o.caseSequence
            """, arguments: [peer]))
    }

    /// The case messages received from `sender` still in the inbox, by case and sequence.
    /// Their kept frames are whole (referenced blobs appended).
    public static func caseMessagesReceived(_ db: StoreTransaction, from sender: String) throws -> [InboxRecord] {
        let records = try InboxRecord.fetchAll(db, sql: """
            SELECT * FROM inbox WHERE sender = ? AND caseId IS NOT NULL AND sequence IS NOT NULL ORDER BY caseId, sequence
            """, arguments: [sender])
        var frames: [String: Data] = [:]
        for record in records { if let frame = record.frame { frames[record.id] = frame } }
        try completeFrames(db, .inbox, &frames)
        return records.map { record in
            var record = record
            if record.frame != nil { record.frame = frames[record.id] }
            return record
        }
    }

    /// Whether message `id` was applied here (and not yet pruned).
    public static func inboxHas(_ db: StoreTransaction, id: String) throws -> Bool {
        try InboxRecord.exists(db, key: id)
    }

    /// Stores an inbox entry.
    public static func insert(_ db: StoreTransaction, inbox: InboxRecord) throws {
        try inbox.insert(db)
    }

    /// Runs `body` in a savepoint: what it wrote is undone when it throws, and the error passed on.
    public static func inSavepoint(_ db: StoreTransaction, _ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    /// The outbox message `id`, if any.
    public static func outboxMessage(_ db: StoreTransaction, id: String) throws -> OutboxRecord? {
        try OutboxRecord.fetchOne(db, key: id)
    }

    /// Stores a changed outbox message.
    public static func update(_ db: StoreTransaction, outbox message: OutboxRecord) throws {
        try message.update(db)
    }

    /// Stores an outbox message.
    public static func insert(_ db: StoreTransaction, outbox message: OutboxRecord) throws {
        try message.insert(db)
    }

    /// Drops the undelivered message to `peer` at sequence `sequence` of the case (a reaction
    /// queued again that gives way to the original).
    public static func dropUndelivered(_ db: StoreTransaction, peer: String, caseId: String, sequence: Int) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE peer = ? AND caseId = ? AND caseSequence = ? AND deliveredAt IS NULL",
                       arguments: [peer, caseId, sequence])
    }

    /// Makes the blob `sha256` the drafting unit's (so that its drafters can attach it again).
    public static func recordUploadOwnership(_ db: StoreTransaction, sha256: String, unit: String, at date: Date = Date()) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO materialUpload(sha256, unit, uploadedBy, uploadedAt) VALUES (?, ?, NULL, ?)",
                       arguments: [sha256, unit, date])
    }

    /// How many peers a resync is still waiting for.
    public static func pendingResyncCount(_ db: StoreTransaction) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM nodeMeta WHERE key LIKE 'resync.pending.%'") ?? 0
    }
}
