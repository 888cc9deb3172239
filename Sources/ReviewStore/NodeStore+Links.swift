public import Foundation
public import GRDB
import Crypto
import ReviewProtocol

/// Named reads and writes of the links to peers and of the console's sign-in.
extension NodeStore {
    /// Every link (a county has one, the city one per county).
    public func links() async throws -> [LinkRecord] {
        try await read { db in try LinkRecord.fetchAll(db) }
    }

    /// Every link, inside a transaction.
    public static func links(_ db: Database) throws -> [LinkRecord] {
        try LinkRecord.fetchAll(db)
    }

    /// The link to `nodeId`, inside a transaction.
    public static func link(_ db: Database, _ nodeId: String) throws -> LinkRecord? {
        try LinkRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM link WHERE nodeId = ?"), arguments: [nodeId])
    }

    /// The largest message (frame bytes) the peer `nodeId` takes, from its link card; nil when
    /// there is no such link or its card gave no limit. One column, not the whole link: the
    /// outbox asks for every message it queues.
    public static func linkMessageLimit(_ db: Database, _ nodeId: String) throws -> Int? {
        // A NULL column reads as nil, as no row does.
        try Int.fetchOne(db.cachedStatement(sql: "SELECT maxMessageBytes FROM link WHERE nodeId = ?"), arguments: [nodeId])
    }

    /// The ids of the enabled links' peers.
    public func enabledPeers() async throws -> [String] {
        try await read { db in try LinkRecord.filter(LinkRecord.Columns.enabled == true).fetchAll(db).map(\.nodeId) }
    }

    /// The payload (JSON) of the newest key rotation in the event log, if any.
    public func lastKeyRotationPayload() throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT payload FROM event WHERE action = 'rotateKey' ORDER BY seq DESC LIMIT 1")
        }
    }

    /// The enabled users called `name` who have a console password (candidates for a
    /// name-and-password sign-in).
    public func passwordUsers(named name: String) async throws -> [UserRecord] {
        try await read { db in
            try UserRecord.filter(UserRecord.Columns.name == name && UserRecord.Columns.disabled == false && UserRecord.Columns.passwordHash != nil).fetchAll(db)
        }
    }

    /// Ends one console session (sign-out).
    public func endSession(_ session: ConsoleSessionRecord) async throws {
        _ = try await write { db in try session.delete(db) }
    }

    /// Sets user `userId`'s console password hash (bcrypt), ends its sessions and logs it as
    /// done by `actor`.
    /// - Throws: `StoreError.notFound` for an unknown user.
    public static func setPasswordHash(_ db: Database, userId: Int64, hash: String, actor: String) throws {
        guard var user = try UserRecord.fetchOne(db, key: userId) else { throw StoreError(.notFound, "user \(userId) does not exist") }
        user.passwordHash = hash
        try user.update(db)
        try ConsoleSessionRecord.filter(ConsoleSessionRecord.Columns.userId == userId).deleteAll(db)
        try appendEvent(db, caseId: nil, actor: actor, action: "setPassword", payload: ["user": String(userId)])
    }
}

/// A link's outbox as the status pages show it.
public struct PeerQueueStats: Sendable {
    /// Messages not yet delivered nor discarded.
    public var depth: Int
    /// When the oldest of them was queued.
    public var oldest: Date?
    /// The next one to send (its attempts and last error).
    public var head: OutboxRecord?
    /// Messages delivered so far.
    public var delivered: Int
}

extension NodeStore {
    /// Every link, by node id.
    public static func linksByNodeId(_ db: StoreTransaction) throws -> [LinkRecord] {
        try LinkRecord.order(LinkRecord.Columns.nodeId).fetchAll(db)
    }

    /// The links to nodes of `tier`, by node id.
    public static func links(_ db: StoreTransaction, tier: String) throws -> [LinkRecord] {
        try LinkRecord.filter(LinkRecord.Columns.tier == tier).order(LinkRecord.Columns.nodeId).fetchAll(db)
    }

    /// Stores `link` (a new one, or an update of the one to the same node).
    public static func save(_ db: StoreTransaction, link: LinkRecord) throws {
        try link.save(db)
    }

    /// The outbox towards `peer`.
    public static func queueStats(_ db: StoreTransaction, peer: String) throws -> PeerQueueStats {
        let pending = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS n, MIN(createdAt) AS oldest FROM outbox WHERE peer = ? AND deliveredAt IS NULL AND discardedAt IS NULL
            """, arguments: [peer])
        let head = try OutboxRecord.fetchOne(db, sql: """
            SELECT * FROM outbox WHERE peer = ? AND deliveredAt IS NULL AND discardedAt IS NULL ORDER BY createdAt, rowid LIMIT 1
            """, arguments: [peer])
        let delivered = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE peer = ? AND deliveredAt IS NOT NULL", arguments: [peer]) ?? 0
        return PeerQueueStats(depth: pending?["n"] ?? 0, oldest: pending?["oldest"], head: head, delivered: delivered)
    }

    /// What the Art 15 supervision report of the period is made from: the cases received
    /// (forwarded, or submitted at the city) between `from` and `to` (ISO dates, inclusive),
    /// their opinions and supplement notices, and the county links.
    public static func supervisionRows(_ db: StoreTransaction, from: String, to: String) throws -> SupervisionRows {
        let records = try CaseRecord.fetchAll(db, sql: """
            SELECT * FROM reviewCase WHERE COALESCE(forwardedOn, submittedOn) BETWEEN ? AND ?
            """, arguments: [from, to])
        let ids = records.map(\.id)
        let opinions = Dictionary(uniqueKeysWithValues: try OpinionRecord.filter(ids.contains(OpinionRecord.Columns.caseId)).fetchAll(db).map { ($0.caseId, $0) })
        let notices = try NoticeRecord.filter(ids.contains(NoticeRecord.Columns.caseId) && NoticeRecord.Columns.type == NoticeRecord.NoticeType.supplement.rawValue).fetchAll(db)
        return SupervisionRows(cases: records, opinions: opinions, supplementNotices: notices)
    }
}

/// See ``NodeStore/supervisionRows(_:from:to:)``.
public struct SupervisionRows: Sendable {
    public var cases: [CaseRecord]
    /// By case id.
    public var opinions: [String: OpinionRecord]
    public var supplementNotices: [NoticeRecord]
}

/// A peer's messages as received, inside the receiving transaction.
extension NodeStore {
    /// The inbox entry of message `id`, if it was applied before.
    public static func inboxEntry(_ db: StoreTransaction, id: String) throws -> InboxRecord? {
        try InboxRecord.fetchOne(db, key: id)
    }

    /// The stored result of message `id` if it was applied before (its canonical JSON), without
    /// reading the rest of its inbox row (the kept frame): the receiver asks for every message.
    public static func inboxResult(_ db: StoreTransaction, id: String) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT result FROM inbox WHERE id = ?"), arguments: [id])
    }

    /// Records an applied message and the chain head its sender announced with it. When
    /// `inbox.frame` is kept, it is the frame's head and `attachments` its attachments: if this
    /// node holds every one as a material blob (the forwarded materials it just stored), they
    /// are referenced by digest (`inboxAttachment`), otherwise appended to the kept frame.
    /// `known` are the attachments' SHA-256 digests (lowercase hex, in order) when the caller
    /// already computed them; otherwise they are computed here.
    public static func recordReceived(_ db: StoreTransaction, _ inbox: InboxRecord, from peer: String, attachments: [Data] = [],
                                      digests known: [String]? = nil) throws {
        var inbox = inbox
        var digests: [String] = []
        if let head = inbox.frame, !attachments.isEmpty {
            let candidates = known.flatMap { $0.count == attachments.count ? $0 : nil } ?? attachments.map { SHA256.hash(data: $0).hexString }
            if try referencedForm(db, frame: head, attachmentDigests: candidates) != nil {
                digests = candidates
            } else {
                inbox.frame = FederationFrame.encode(json: head.dropFirst(FederationFrame.headerLength), attachments: attachments)
            }
        }
        try inbox.insert(db)
        try insertAttachmentReferences(db, .inbox, id: inbox.id, digests: digests)
        try db.cachedStatement(sql: "UPDATE link SET lastChainHead = ? WHERE nodeId = ?").execute(arguments: [inbox.chainHead, peer])
    }

    /// The peer re-keyed: its current key becomes the previous one, valid until `until`.
    public static func rotatePeerKey(_ db: StoreTransaction, peer: String, newPublicKey: String, oldKeyValidUntil until: Date) throws {
        try db.execute(sql: "UPDATE link SET previousPublicKey = publicKey, previousKeyValidUntil = ?, publicKey = ? WHERE nodeId = ?",
                       arguments: [until, newPublicKey, peer])
    }

    /// Stores a material's bytes and attaches it to the case (both kept when already there).
    public static func storeTransferred(_ db: StoreTransaction, blob: MaterialBlobRecord, material: CaseMaterialRecord) throws {
        try blob.insert(db, onConflict: .ignore)
        try material.insert(db, onConflict: .ignore)
    }
}
