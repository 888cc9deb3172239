public import Foundation
public import GRDB
public import ReviewProtocol

/// A link to a peer node, created by importing its link card.
public struct LinkRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "link"

    public var nodeId: String
    public var name: String
    public var divisionCode: String
    public var tier: Tier
    public var baseURL: String
    /// Ed25519 public key, base64.
    public var publicKey: String
    /// After a re-key: the old key, accepted until `previousKeyValidUntil`.
    public var previousPublicKey: String?
    public var previousKeyValidUntil: Date?
    public var enabled: Bool
    public var createdAt: Date
    public var lastCheckAt: Date?
    public var lastCheckMilliseconds: Double?
    /// The latest event-chain head the peer reported in a message.
    public var lastChainHead: String?
    /// The largest message the peer accepts, frame bytes, from its link card (nil: unknown).
    public var maxMessageBytes: Int?
    /// The last cross-check of the peer's event log: when, whether it held every head it sent,
    /// and what was wrong.
    public var lastAuditAt: Date?
    public var lastAuditOK: Bool?
    public var lastAuditProblem: String?

    public init(card: LinkCard, createdAt: Date = Date()) {
        nodeId = card.nodeId
        name = card.name
        divisionCode = card.divisionCode
        tier = card.tier
        baseURL = card.baseURL
        publicKey = card.publicKey
        previousPublicKey = nil
        previousKeyValidUntil = nil
        enabled = true
        self.createdAt = createdAt
        lastCheckAt = nil
        lastCheckMilliseconds = nil
        lastChainHead = nil
        maxMessageBytes = card.maxMessageBytes
    }
}

/// A message waiting for delivery, written in the same transaction as the state change that
/// causes it. `body` is the framed message (envelope JSON and attachments), sent as is, with
/// `signature` over the JSON.
///
/// The row in `outbox` is small and only its bookkeeping columns change (attempts, delivered,
/// dead, discarded); the body and signature live in `outboxBody` (migration v14), written once
/// when the message is queued, so that marking a half-megabyte message delivered writes about a
/// hundred bytes to the WAL instead of the whole message again. Requests through the query
/// interface (`OutboxRecord.fetchOne(db, key:)`, `filter`) select the body with the row; raw SQL
/// must join `outboxBody` to get it (a row read without it has an empty `body`).
/// ``insert(_:)`` writes both tables; ``update(_:)`` never rewrites the body.
///
/// A message whose attachments are material blobs (``materialDigests``) stores only the frame's
/// head (`v15-outbox-blob-refs`, see `NodeStore+FrameRefs.swift`); the store's reads that return
/// messages to send or resend (``NodeStore/dueOutboxBatch(_:peer:now:caselessOnly:maxCount:maxBytes:excluding:)``,
/// discarding a dead letter, a resync's messages) complete `body` to the whole frame; lists
/// (dead letters) leave it as stored.
public struct OutboxRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "outbox"

    public var id: String
    public var peer: String
    public var caseId: String?
    public var caseSequence: Int
    public var type: FederationMessageType
    public var body: Data
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    public var signature: Data?
    /// How often the peer refused this message for its content (a permanent refusal).
    public var refusals: Int = 0
    /// When it became a dead letter: refused ``NodeStore/maxRefusals`` times. It no longer
    /// blocks other cases' messages; later messages of its own case wait behind it.
    public var deadAt: Date?
    /// When an operator discarded it (it will never be sent).
    public var discardedAt: Date?
    /// On insert only: the SHA-256 digests of stored material blobs that are the frame's
    /// attachments, in order; `body` is then the frame's head (`RVW1`, length, JSON) and the
    /// blobs are listed in `outboxAttachment` instead of copied. Nil on rows read back.
    public var materialDigests: [String]?

    public init(id: String, peer: String, caseId: String?, caseSequence: Int, type: FederationMessageType, body: Data, signature: Data, createdAt: Date) {
        self.id = id
        self.peer = peer
        self.caseId = caseId
        self.caseSequence = caseSequence
        self.type = type
        self.body = body
        self.createdAt = createdAt
        self.attempts = 0
        self.nextAttemptAt = createdAt
        self.lastError = nil
        self.deliveredAt = nil
        self.signature = signature
    }

    public enum Columns {
        public static let id = Column("id")
        public static let peer = Column("peer")
        public static let caseId = Column("caseId")
        public static let caseSequence = Column("caseSequence")
        public static let createdAt = Column("createdAt")
        public static let deliveredAt = Column("deliveredAt")
        public static let deadAt = Column("deadAt")
        public static let discardedAt = Column("discardedAt")
    }

    /// The row's columns and its body's, from `outboxBody`.
    public static var databaseSelection: [any SQLSelectable] {
        [AllColumns(), SQL("(SELECT b.body FROM outboxBody b WHERE b.id = outbox.id) AS body"),
         SQL("(SELECT b.signature FROM outboxBody b WHERE b.id = outbox.id) AS signature")]
    }

    public init(row: Row) throws {
        id = row["id"]
        peer = row["peer"]
        caseId = row["caseId"]
        caseSequence = row["caseSequence"]
        guard let type = FederationMessageType(rawValue: row["type"]) else {
            throw StoreError(.corrupt, "outbox message \(id) has an unknown type")
        }
        self.type = type
        body = row["body"] ?? Data()
        signature = row["signature"]
        createdAt = row["createdAt"]
        attempts = row["attempts"]
        nextAttemptAt = row["nextAttemptAt"]
        lastError = row["lastError"]
        deliveredAt = row["deliveredAt"]
        refusals = row["refusals"]
        deadAt = row["deadAt"]
        discardedAt = row["discardedAt"]
    }

    /// The small row only (the body is written by ``aroundInsert(_:insert:)``).
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["peer"] = peer
        container["caseId"] = caseId
        container["caseSequence"] = caseSequence
        container["type"] = type.rawValue
        container["createdAt"] = createdAt
        container["attempts"] = attempts
        container["nextAttemptAt"] = nextAttemptAt
        container["lastError"] = lastError
        container["deliveredAt"] = deliveredAt
        container["refusals"] = refusals
        container["deadAt"] = deadAt
        container["discardedAt"] = discardedAt
    }

    /// Inserts the row, then its body and signature into `outboxBody`.
    public func aroundInsert(_ db: Database, insert: () throws -> InsertionSuccess) throws {
        _ = try insert()
        try db.cachedStatement(sql: "INSERT INTO outboxBody(id, body, signature) VALUES (?, ?, ?)").execute(arguments: [id, body, signature])
        try NodeStore.insertAttachmentReferences(db, .outbox, id: id, digests: materialDigests ?? [])
    }
}

/// A message received and applied; a redelivery is answered with `result` and no second effect.
public struct InboxRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "inbox"

    public var id: String
    public var sender: String
    public var receivedAt: Date
    public var result: Data
    public var caseId: String?
    public var sequence: Int?
    public var type: FederationMessageType?
    public var chainHead: String?
    /// The message's exact frame and signature, kept for the retention window so that the
    /// sender, if restored from an older backup, can be sent back what it had sent (case messages only).
    public var frame: Data?
    public var signature: Data?

    public init(id: String, sender: String, receivedAt: Date, result: Data, caseId: String?, sequence: Int?, type: FederationMessageType?, chainHead: String?) {
        self.id = id
        self.sender = sender
        self.receivedAt = receivedAt
        self.result = result
        self.caseId = caseId
        self.sequence = sequence
        self.type = type
        self.chainHead = chainHead
    }
}

extension NodeStore {
    /// The last per-case sequence applied from `sender` for `caseId` (0 when none).
    public static func lastAppliedSequence(_ db: Database, sender: String, caseId: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT lastSequence FROM inboxSequence WHERE sender = ? AND caseId = ?"), arguments: [sender, caseId]) ?? 0
    }

    public static func recordAppliedSequence(_ db: Database, sender: String, caseId: String, sequence: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO inboxSequence(sender, caseId, lastSequence) VALUES (?, ?, ?)
            ON CONFLICT(sender, caseId) DO UPDATE SET lastSequence = excluded.lastSequence
            """).execute(arguments: [sender, caseId, sequence])
    }

    /// Forgets the ids of messages received before `cutoff` (older than the freshness window,
    /// so a replay of one is refused as stale). Returns how many were removed.
    public static func pruneInbox(_ db: Database, receivedBefore cutoff: Date) throws -> Int {
        try InboxRecord.filter(InboxRecord.Columns.receivedAt < cutoff).deleteAll(db)
    }
}

extension NodeStore {
    /// The link to the city (from a county node).
    public static func cityLink(_ db: Database) throws -> LinkRecord? {
        try LinkRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM link WHERE tier = ? LIMIT 1"), arguments: [Tier.city.rawValue])
    }
}

extension NodeStore {
    /// Permanent refusals after which a message becomes a dead letter.
    public static let maxRefusals = 3

    /// The next per-case sequence for messages to `peer`: one seek in the partial index
    /// `outboxNextSequence` (v14), however many messages were ever sent.
    public static func nextOutboxSequence(_ db: Database, peer: String, caseId: String?) throws -> Int {
        (try Int.fetchOne(db.cachedStatement(sql: """
            SELECT caseSequence FROM outbox INDEXED BY outboxNextSequence
            WHERE peer = ? AND caseId IS ? AND discardedAt IS NULL ORDER BY caseSequence DESC LIMIT 1
            """), arguments: [peer, caseId]) ?? 0) + 1
    }

    /// The oldest message for `peer` that is due at `now` and heads its case's queue: every
    /// earlier message of the same case (caseless messages form one queue) was delivered or
    /// discarded. Dead letters are never due, and hold back their own case only.
    /// With `caselessOnly` (a restored node resyncing with `peer`), case messages wait.
    public static func dueOutboxHead(_ db: Database, peer: String, now: Date, caselessOnly: Bool = false) throws -> OutboxRecord? {
        try dueOutboxBatch(db, peer: peer, now: now, caselessOnly: caselessOnly, maxCount: 1, maxBytes: .max).first
    }

    /// Up to `maxCount` messages for `peer` that may be sent now, in queue order (oldest
    /// first), with their bodies: each is due and every earlier undelivered message of its case
    /// is either in the batch before it or was discarded. A message that is not due (waiting
    /// for a retry) or dead holds back its case's later messages, not the others'. The bodies
    /// add up to at most `maxBytes` (the first message is always taken). Reads the pending
    /// rows (not their bodies) only until the batch is full. Messages in `excluding` (on the
    /// wire already) are left out and hold back their cases' later messages, as a message
    /// waiting for a retry does. The bodies are whole frames (referenced blobs appended).
    public static func dueOutboxBatch(_ db: Database, peer: String, now: Date, caselessOnly: Bool = false,
                                      maxCount: Int, maxBytes: Int, excluding: Set<String> = []) throws -> [OutboxRecord] {
        let pending = try Row.fetchCursor(db, sql: """
            SELECT o.id, o.caseId, o.nextAttemptAt, o.deadAt,
              length(b.body) + COALESCE((SELECT SUM(8 + m.bytes) FROM outboxAttachment a JOIN materialBlob m ON m.sha256 = a.sha256 WHERE a.id = o.id), 0) AS bytes
            FROM outbox o JOIN outboxBody b ON b.id = o.id
            WHERE o.peer = ? AND o.deliveredAt IS NULL AND o.discardedAt IS NULL
            ORDER BY o.createdAt, o.rowid
            """, arguments: [peer])
        var blocked = Set<String?>()
        var chosen: [String] = []
        var bytes = 0
        while let row = try pending.next() {
            let caseId: String? = row["caseId"]
            if blocked.contains(caseId) { continue }
            if excluding.contains(row["id"]) {
                blocked.insert(caseId)
                continue
            }
            let due = (row["deadAt"] as Date?) == nil && (row["nextAttemptAt"] as Date) <= now && !(caselessOnly && caseId != nil)
            guard due else {
                blocked.insert(caseId)
                continue
            }
            let size: Int = row["bytes"]
            if !chosen.isEmpty && bytes + size > maxBytes { break }
            chosen.append(row["id"])
            bytes += size
            if chosen.count >= maxCount { break }
        }
        guard !chosen.isEmpty else { return [] }
        let byId = Dictionary(uniqueKeysWithValues: try OutboxRecord.withFrames(db, OutboxRecord.filter(keys: chosen).fetchAll(db)).map { ($0.id, $0) })
        return chosen.compactMap { byId[$0] }
    }

    /// When the next attempt for `peer` falls due (nil: nothing waits but dead letters).
    public static func nextOutboxAttempt(_ db: Database, peer: String) throws -> Date? {
        try Date.fetchOne(db.cachedStatement(sql: """
            SELECT MIN(nextAttemptAt) FROM outbox WHERE peer = ? AND deliveredAt IS NULL AND discardedAt IS NULL AND deadAt IS NULL
            """), arguments: [peer])
    }

    /// Marks messages delivered: one small row update each, the bodies untouched.
    public static func markDelivered(_ db: Database, messageIds: [String], at date: Date = Date()) throws {
        let statement = try db.cachedStatement(sql: "UPDATE outbox SET deliveredAt = ?, lastError = NULL WHERE id = ?")
        for id in messageIds { try statement.execute(arguments: [date, id]) }
    }

    public static func markDelivered(_ db: Database, messageId: String, at date: Date = Date()) throws {
        try markDelivered(db, messageIds: [messageId], at: date)
    }

    /// Records a failed attempt. A `permanent` refusal counts towards ``maxRefusals``; at the
    /// limit the message becomes a dead letter. Returns whether it did.
    @discardableResult
    public static func recordDeliveryFailure(_ db: Database, messageId: String, error: String, permanent: Bool, retryAt: Date,
                                             now: Date = Date()) throws -> Bool {
        try db.execute(sql: """
            UPDATE outbox SET attempts = attempts + 1, nextAttemptAt = ?, lastError = ?, refusals = refusals + ?,
              deadAt = CASE WHEN refusals + ? >= ? THEN ? ELSE NULL END
            WHERE id = ?
            """, arguments: [retryAt, String(error.prefix(2000)), permanent ? 1 : 0, permanent ? 1 : 0, maxRefusals, now, messageId])
        return try Bool.fetchOne(db, sql: "SELECT deadAt IS NOT NULL FROM outbox WHERE id = ?", arguments: [messageId]) ?? false
    }

    /// Dead letters, oldest first.
    public static func deadLetters(_ db: Database) throws -> [OutboxRecord] {
        try OutboxRecord.filter(OutboxRecord.Columns.deadAt != nil && OutboxRecord.Columns.deliveredAt == nil && OutboxRecord.Columns.discardedAt == nil)
            .order(OutboxRecord.Columns.createdAt).fetchAll(db)
    }

    /// The case's messages not delivered and not discarded (queued or dead letters), oldest first.
    public static func undeliveredMessages(_ db: Database, caseId: String) throws -> [OutboxRecord] {
        try OutboxRecord.filter(OutboxRecord.Columns.caseId == caseId && OutboxRecord.Columns.deliveredAt == nil && OutboxRecord.Columns.discardedAt == nil)
            .order(OutboxRecord.Columns.createdAt).fetchAll(db)
    }

    /// Attempts after which a message the peer keeps answering `out-of-order` is shown as waiting.
    public static let outOfOrderWaitAttempts = 3

    /// Queued messages (not dead letters) whose peer answered `out-of-order` to the last of at
    /// least ``outOfOrderWaitAttempts`` attempts, oldest first (``OutboxRecord/isWaitingOnPeer``): the
    /// peer lacks an earlier message of the case (as a resync gap leaves it) and they retry until an
    /// operator sets them aside.
    public static func waitingMessages(_ db: Database) throws -> [OutboxRecord] {
        try OutboxRecord.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM outbox WHERE deliveredAt IS NULL AND discardedAt IS NULL AND deadAt IS NULL
              AND attempts >= ? AND lastError LIKE ? ORDER BY createdAt
            """), arguments: [outOfOrderWaitAttempts, "%" + OutboxRecord.outOfOrderMarker + "%"])
    }

    /// Turns a waiting message (``waitingMessages(_:)``) into a dead letter, so that an operator can
    /// retry or discard it like one; it is no longer sent meanwhile.
    /// - Throws: `StoreError.notFound` unless `messageId` is a waiting message.
    @discardableResult
    public static func setAsideWaitingMessage(_ db: Database, messageId: String, now: Date = Date()) throws -> OutboxRecord {
        guard var message = try OutboxRecord.fetchOne(db, key: messageId), message.isWaitingOnPeer
        else { throw StoreError(.notFound, "\(messageId) is not a message waiting on its peer") }
        message.deadAt = now
        try message.update(db)
        return message
    }

    /// Puts a dead letter back in the queue, due now, with its refusals forgotten.
    /// - Throws: `StoreError.notFound` unless `messageId` is a dead letter.
    @discardableResult
    public static func retryDeadLetter(_ db: Database, messageId: String, now: Date = Date()) throws -> OutboxRecord {
        guard var message = try OutboxRecord.fetchOne(db, key: messageId), message.deadAt != nil, message.deliveredAt == nil,
              message.discardedAt == nil
        else { throw StoreError(.notFound, "\(messageId) is not a dead letter") }
        message.deadAt = nil
        message.refusals = 0
        message.nextAttemptAt = now
        try message.update(db)
        return message
    }

    /// Discards a dead letter for good. Later messages of the same case to the same peer are
    /// renumbered one down (the peer never saw this one), each re-signed by `resign`, which
    /// gets a message and its new sequence and returns the new body and signature.
    /// - Throws: `StoreError.notFound` unless `messageId` is a dead letter.
    @discardableResult
    public static func discardDeadLetter(_ db: Database, messageId: String, now: Date = Date(),
                                         resign: (OutboxRecord, Int) throws -> (body: Data, signature: Data)) throws -> OutboxRecord {
        guard var message = try OutboxRecord.fetchOne(db, key: messageId), message.deadAt != nil, message.deliveredAt == nil,
              message.discardedAt == nil
        else { throw StoreError(.notFound, "\(messageId) is not a dead letter") }
        message.discardedAt = now
        try message.update(db)
        if message.caseId != nil {
            let later = try OutboxRecord.withFrames(db, OutboxRecord.filter(OutboxRecord.Columns.peer == message.peer && OutboxRecord.Columns.caseId == message.caseId
                                                                             && OutboxRecord.Columns.caseSequence > message.caseSequence)
                .order(OutboxRecord.Columns.caseSequence).fetchAll(db))
            for var next in later {
                let (body, signature) = try resign(next, next.caseSequence - 1)
                next.caseSequence -= 1
                next.body = body
                next.signature = signature
                try next.update(db)
                // A message that references its blobs keeps doing so: only the new head is stored.
                let references = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outboxAttachment WHERE id = ?", arguments: [next.id]) ?? 0
                let stored = references > 0 ? FederationFrame.declaredJSONLength(body).map { Data(body.prefix(FederationFrame.headerLength + $0)) } ?? body : body
                try db.execute(sql: "UPDATE outboxBody SET body = ?, signature = ? WHERE id = ?", arguments: [stored, signature, next.id])
            }
        }
        return message
    }
}

extension OutboxRecord {
    /// The peer's error body, as the outbox records it, for an `out-of-order` answer.
    static let outOfOrderMarker = #""code":"out-of-order""#

    /// Queued (not delivered, discarded or dead) and answered `out-of-order` by the peer the
    /// last time, after at least ``NodeStore/outOfOrderWaitAttempts`` attempts.
    public var isWaitingOnPeer: Bool {
        deliveredAt == nil && discardedAt == nil && deadAt == nil && attempts >= NodeStore.outOfOrderWaitAttempts
            && lastError?.contains(Self.outOfOrderMarker) == true
    }
}

/// One key a node signed with, and the period it was that node's signing key.
public struct KeyRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "keyHistory"

    public var nodeId: String
    /// Ed25519 public key, base64.
    public var publicKey: String
    public var validFrom: Date
    /// When it was replaced (nil: still current).
    public var validUntil: Date?

    public init(nodeId: String, publicKey: String, validFrom: Date, validUntil: Date? = nil) {
        self.nodeId = nodeId
        self.publicKey = publicKey
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

extension NodeStore {
    /// Records `publicKey` as `nodeId`'s current key from `date` and retires the keys it
    /// replaces at that instant. Recording the current key again changes nothing.
    public static func recordKey(_ db: Database, nodeId: String, publicKey: String, from date: Date = Date()) throws {
        guard try KeyRecord.fetchOne(db, key: ["nodeId": nodeId, "publicKey": publicKey]) == nil else { return }
        try db.execute(sql: "UPDATE keyHistory SET validUntil = ? WHERE nodeId = ? AND validUntil IS NULL", arguments: [date, nodeId])
        try KeyRecord(nodeId: nodeId, publicKey: publicKey, validFrom: date).insert(db)
    }

    /// Every recorded key, by node and then oldest first (one node's only, when given).
    public static func keyHistory(_ db: Database, nodeId: String? = nil) throws -> [KeyRecord] {
        var request = KeyRecord.order(KeyRecord.Columns.nodeId, KeyRecord.Columns.validFrom)
        if let nodeId { request = request.filter(KeyRecord.Columns.nodeId == nodeId) }
        return try request.fetchAll(db)
    }
}

extension NodeStore {
    /// The sequence number of the event whose hash is `hash`, if this log holds it.
    public static func eventSeq(_ db: Database, hash: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT seq FROM event WHERE hash = ?", arguments: [hash])
    }

    /// The chain heads `sender` reported in the messages this node still remembers, newest
    /// first, with the link's latest.
    public static func receivedHeads(_ db: Database, sender: String, limit: Int) throws -> [String] {
        var heads = try String.fetchAll(db, sql: """
            SELECT chainHead FROM inbox WHERE sender = ? AND chainHead IS NOT NULL GROUP BY chainHead ORDER BY MAX(receivedAt) DESC LIMIT ?
            """, arguments: [sender, limit])
        if let latest = try String.fetchOne(db, sql: "SELECT lastChainHead FROM link WHERE nodeId = ?", arguments: [sender]), !heads.contains(latest) {
            heads.insert(latest, at: 0)
        }
        return Array(heads.prefix(limit))
    }

    /// Records the outcome of a cross-check of `peer`'s log.
    public static func recordAudit(_ db: Database, peer: String, ok: Bool, problem: String?, at date: Date = Date()) throws {
        try db.execute(sql: "UPDATE link SET lastAuditAt = ?, lastAuditOK = ?, lastAuditProblem = ? WHERE nodeId = ?",
                       arguments: [date, ok, problem, peer])
    }
}

extension NodeStore {
    /// City: stores a county's ledger entry unless a newer one is already held.
    public static func upsertCountyCase(_ db: Database, origin: String, caseId: String, state: String, submittedOn: String,
                                        updatedAt: String, entry: Data) throws {
        try db.execute(sql: """
            INSERT INTO countyCase(caseId, origin, state, submittedOn, updatedAt, entry) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(caseId) DO UPDATE SET state = excluded.state, submittedOn = excluded.submittedOn, updatedAt = excluded.updatedAt,
              entry = excluded.entry WHERE excluded.updatedAt >= countyCase.updatedAt AND countyCase.origin = excluded.origin
            """, arguments: [caseId, origin, state, submittedOn, updatedAt, entry])
    }

    /// City: the county entries submitted between `from` and `to` (YYYY-MM-DD, inclusive).
    public static func countyEntries(_ db: Database, from: String, to: String) throws -> [(origin: String, entry: Data)] {
        try Row.fetchAll(db, sql: "SELECT origin, entry FROM countyCase WHERE submittedOn BETWEEN ? AND ? ORDER BY caseId", arguments: [from, to])
            .map { ($0["origin"], $0["entry"]) }
    }

    /// County: cases changed after the `(updatedAt, id)` mark, oldest first.
    public static func casesChanged(_ db: Database, after mark: (Date, String)?, limit: Int) throws -> [CaseRecord] {
        guard let mark else { return try CaseRecord.order(CaseRecord.Columns.updatedAt, CaseRecord.Columns.id).limit(limit).fetchAll(db) }
        return try CaseRecord.filter(CaseRecord.Columns.updatedAt > mark.0 || (CaseRecord.Columns.updatedAt == mark.0 && CaseRecord.Columns.id > mark.1))
            .order(CaseRecord.Columns.updatedAt, CaseRecord.Columns.id).limit(limit).fetchAll(db)
    }

    /// The rounds of each notice type issued on a case by `tier`.
    public static func noticeRounds(_ db: Database, caseId: String, issuedBy tier: Tier) throws -> (supplement: Int, materials: Int) {
        let rows = try Row.fetchAll(db, sql: "SELECT type, COUNT(*) AS n FROM notice WHERE caseId = ? AND issuedBy = ? GROUP BY type",
                                    arguments: [caseId, tier.rawValue])
        var result = (supplement: 0, materials: 0)
        for row in rows {
            let type: String = row["type"]
            if type == "supplement" { result.supplement = row["n"] } else if type == "materials" { result.materials = row["n"] }
        }
        return result
    }

    /// County: the `(updatedAt, id)` of the last case reported to the city.
    public static func ledgerReportMark(_ db: Database) throws -> (Date, String)? {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM nodeMeta WHERE key = 'ledgerReportedThrough'"),
              let separator = text.firstIndex(of: " "), let date = try? Date(String(text[..<separator]), strategy: .iso8601)
        else { return nil }
        return (date, String(text[text.index(after: separator)...]))
    }

    public static func setLedgerReportMark(_ db: Database, _ mark: (Date, String)) throws {
        let value = mark.0.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) + " " + mark.1
        try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES ('ledgerReportedThrough', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [value])
    }
}
