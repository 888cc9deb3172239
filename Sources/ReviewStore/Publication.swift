public import Foundation
public import GRDB
public import ReviewProtocol

/// Art 14: one change the city published (a launch, adjustment or withdrawal), with the exact
/// signed bytes of its ``PublishedItem``. The `sequence` is the feed's cursor.
public struct PublishedChangeRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "publishedChange"

    public enum Columns {
        static let sequence = Column(CodingKeys.sequence)
        static let itemId = Column(CodingKeys.itemId)
        static let caseId = Column(CodingKeys.caseId)
        static let effectiveOn = Column(CodingKeys.effectiveOn)
    }

    public var sequence: Int
    public var itemId: String
    public var caseId: String
    public var change: CaseKind
    public var divisionCode: String
    public var effectiveOn: CivilDate
    /// Canonical JSON of the ``PublishedItem``: the bytes the signature covers.
    public var document: Data
    public var signature: Data
    public var signerPublicKey: String
    public var publishedAt: Date

    /// The feed entry: the document shown and signed.
    /// - Throws: `DecodingError` when the stored document is not a ``PublishedItem`` (a corrupt row).
    public func entry(signerNodeId: String) throws -> PublishedEntry {
        PublishedEntry(sequence: sequence, itemId: itemId, change: change, effectiveOn: effectiveOn,
                       document: try JSONDecoder().decode(PublishedItem.self, from: document),
                       signed: SignedPublication(document: document.base64EncodedString(), signature: signature.base64EncodedString(),
                                                 signerPublicKey: signerPublicKey, signerNodeId: signerNodeId))
    }
}

/// A consuming system the city pushes published changes to (Art 14: the 政策服务网上大厅, the
/// 城市智能体), registered by an operator.
public struct PublicationConsumerRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "publicationConsumer"

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let enabled = Column(CodingKeys.enabled)
    }

    public var id: Int64?
    public var name: String
    /// Where changes are POSTed (http or https).
    public var url: String
    /// Shared secret: each push carries `X-Publication-Signature: sha256=<hex HMAC-SHA256 of the body>`.
    public var secret: String
    /// JSON array of GB/T 2260 codes; empty = every jurisdiction. A code ending in `00` covers
    /// its whole prefecture (220100: 长春市 and all its counties and districts).
    public var divisions: String
    public var enabled: Bool
    public var createdAt: Date

    public var divisionList: [String] { (try? JSONDecoder().decode([String].self, from: Data(divisions.utf8))) ?? [] }

    /// Whether a change of a policy of `divisionCode` goes to this consumer.
    public func covers(_ divisionCode: String) -> Bool {
        let list = divisionList
        return list.isEmpty || list.contains { code in
            code == divisionCode || (code.count == 6 && code.hasSuffix("00") && !code.hasSuffix("0000") && divisionCode.hasPrefix(code.prefix(4)))
        }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public init(name: String, url: String, secret: String, divisions: [String], enabled: Bool = true, createdAt: Date = Date()) {
        self.name = name
        self.url = url
        self.secret = secret
        self.divisions = String(decoding: (try? JSONEncoder().encode(divisions)) ?? Data("[]".utf8), as: UTF8.self)
        self.enabled = enabled
        self.createdAt = createdAt
    }
}

/// One published change queued for one consumer: delivered, waiting, or a dead letter.
public struct ConsumerDeliveryRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "consumerDelivery"

    public enum Columns {
        static let consumerId = Column(CodingKeys.consumerId)
        static let sequence = Column(CodingKeys.sequence)
        static let deliveredAt = Column(CodingKeys.deliveredAt)
        static let deadAt = Column(CodingKeys.deadAt)
        static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
    }

    public var consumerId: Int64
    public var sequence: Int
    public var attempts: Int = 0
    /// Permanent refusals (4xx) so far; ``NodeStore/maxConsumerRefusals`` make a dead letter.
    public var refusals: Int = 0
    public var nextAttemptAt: Date? = nil
    public var lastError: String? = nil
    public var deliveredAt: Date? = nil
    public var deadAt: Date? = nil
}

/// A consumer with its queue, for operators.
public struct ConsumerQueue: Sendable, Hashable {
    public var consumer: PublicationConsumerRecord
    public var waiting: Int
    public var delivered: Int
    public var dead: Int
    public var lastError: String?
    /// The dead letters' sequences, oldest first.
    public var deadSequences: [Int]
}

/// What the ledger shows of a case's publication.
public struct PublicationMark: Sendable, Hashable {
    public var itemId: String
    public var sequence: Int
    public var status: PublishedStatus
    public var effectiveOn: CivilDate
}

extension NodeStore {
    /// Refusals of one change by a consumer before it becomes a dead letter.
    public static let maxConsumerRefusals = 3

    /// Art 14: publishes the change `record` confirmed (Art 10 launch, Art 13 adjustment or
    /// withdrawal): builds the ``PublishedItem``, signs its canonical JSON with `sign`, appends it
    /// to the feed and queues it for every enabled consumer that covers its jurisdiction. Call in
    /// the confirming transaction. A case already published is left as it is (returns nil).
    /// - Returns: the change's feed sequence.
    /// - Throws: `StoreError(.corrupt)` when the case has no revision to publish; signing errors.
    @discardableResult
    public static func recordPublication(_ db: Database, case record: CaseRecord, publisher: String, signerPublicKey: String,
                                         now: Date = Date(), sign: (Data) throws -> Data) throws -> Int? {
        if try PublishedChangeRecord.filter(PublishedChangeRecord.Columns.caseId == record.id).fetchCount(db) > 0 { return nil }
        guard let revision = try RevisionRecord.fetchOne(db, key: ["caseId": record.id, "revision": record.currentRevision]) else {
            throw StoreError(.corrupt, "case \(record.id) has no revision \(record.currentRevision) to publish")
        }
        let form = try revision.decodedForm()
        // An adjustment or withdrawal continues the item its original case belongs to.
        var itemId = record.id
        if record.kind != .launch, let original = record.originalCaseId {
            itemId = try PublishedChangeRecord.filter(PublishedChangeRecord.Columns.caseId == original).fetchOne(db)?.itemId ?? original
        }
        let previous = try PublishedChangeRecord.filter(PublishedChangeRecord.Columns.itemId == itemId)
            .order(PublishedChangeRecord.Columns.sequence.desc).fetchOne(db)
        let previousItem = try previous.map { try JSONDecoder().decode(PublishedItem.self, from: $0.document) }
        let effectiveOn = record.launchDate ?? record.effectiveDate ?? CivilDate(beijingDayOf: now)
        let sequence = (try Int.fetchOne(db, sql: "SELECT MAX(sequence) FROM publishedChange") ?? 0) + 1
        // A withdrawal's form lists no items: the items that go offline are the last version's.
        let items = form.serviceItems.isEmpty ? previousItem?.serviceItems ?? [] : form.serviceItems
        let opinion = try OpinionRecord.fetchOne(db, key: record.id).map { row -> PublishedOpinion in
            let decoded = try row.decoded()
            return PublishedOpinion(number: decoded.number.description, issuedOn: decoded.issuedOn, issuerNode: decoded.issuerNode, outcome: decoded.outcome)
        }
        let starts = items.compactMap { $0.validity?.start }.filter { !$0.isEmpty }
        let ends = items.compactMap { $0.validity?.end }.filter { !$0.isEmpty }
        let version = (previousItem?.version ?? 0) + 1
        let status = PublishedStatus(after: record.kind)
        let history = (previousItem?.history ?? []) + [PublishedHistoryEntry(version: version, change: record.kind, status: status, caseId: record.id,
                                                                               effectiveOn: effectiveOn, opinionNumber: opinion?.number)]
        let item = PublishedItem(
            itemId: itemId, version: version, sequence: sequence, change: record.kind, status: status, effectiveOn: effectiveOn,
            launchDate: previousItem?.launchDate ?? effectiveOn, caseId: record.id,
            policy: PublishedPolicy(title: form.policy.title ?? record.title, documentNumber: form.policy.documentNumber ?? record.documentNumber,
                                    issuingUnit: record.draftingUnit, divisionCode: record.divisionCode, level: record.level,
                                    effectiveDate: starts.min(), expiryDate: ends.max()),
            serviceItems: items, opinion: opinion, history: history, publisher: publisher, publishedAt: now.formatted(.iso8601))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = try encoder.encode(item)
        try PublishedChangeRecord(sequence: sequence, itemId: itemId, caseId: record.id, change: record.kind, divisionCode: record.divisionCode,
                                  effectiveOn: effectiveOn, document: document, signature: try sign(document), signerPublicKey: signerPublicKey,
                                  publishedAt: now).insert(db)
        for consumer in try PublicationConsumerRecord.filter(PublicationConsumerRecord.Columns.enabled == true).fetchAll(db) where consumer.covers(record.divisionCode) {
            if let id = consumer.id { try ConsumerDeliveryRecord(consumerId: id, sequence: sequence).insert(db) }
        }
        return sequence
    }

    /// The feed: at most `limit` changes with a sequence above `after`, in order, and whether more follow.
    public func publishedChanges(after: Int, limit: Int) async throws -> (changes: [PublishedChangeRecord], hasMore: Bool) {
        try await read { db in
            let rows = try PublishedChangeRecord.filter(PublishedChangeRecord.Columns.sequence > after)
                .order(PublishedChangeRecord.Columns.sequence).limit(limit + 1).fetchAll(db)
            return (Array(rows.prefix(limit)), rows.count > limit)
        }
    }

    /// Every published version of `itemId`, oldest first (empty when unknown).
    public func publishedVersions(of itemId: String) async throws -> [PublishedChangeRecord] {
        try await read { db in
            try PublishedChangeRecord.filter(PublishedChangeRecord.Columns.itemId == itemId).order(PublishedChangeRecord.Columns.sequence).fetchAll(db)
        }
    }

    /// The version of each item in force on `date`: the latest change whose effective date has
    /// come (Art 13: a withdrawal or adjustment takes effect on its date, not before).
    public static func versionInForce(_ versions: [PublishedChangeRecord], on date: CivilDate) -> PublishedChangeRecord? {
        versions.filter { $0.effectiveOn <= date }.max { $0.sequence < $1.sequence }
    }

    // MARK: Push to consumers

    /// Registers a consumer and queues for it every change already published in its
    /// jurisdictions, so that it starts from a complete history.
    /// - Throws: `StoreError(.conflict)` when the name is taken.
    public func registerConsumer(_ consumer: PublicationConsumerRecord) async throws -> PublicationConsumerRecord {
        try await write { db in
            if try PublicationConsumerRecord.filter(PublicationConsumerRecord.Columns.name == consumer.name).fetchCount(db) > 0 {
                throw StoreError(.conflict, "a consumer named \(consumer.name) exists")
            }
            var inserted = consumer
            try inserted.insert(db)
            guard let id = inserted.id else { throw StoreError(.corrupt, "consumer inserted without an id") }
            for row in try PublishedChangeRecord.order(PublishedChangeRecord.Columns.sequence).fetchAll(db) where inserted.covers(row.divisionCode) {
                try ConsumerDeliveryRecord(consumerId: id, sequence: row.sequence).insert(db)
            }
            return inserted
        }
    }

    /// Every consumer with its queue counts, by name.
    public func consumerQueues() async throws -> [ConsumerQueue] {
        try await read { db in
            try PublicationConsumerRecord.order(PublicationConsumerRecord.Columns.name).fetchAll(db).map { consumer in
                let id = consumer.id ?? 0
                let rows = try ConsumerDeliveryRecord.filter(ConsumerDeliveryRecord.Columns.consumerId == id).order(ConsumerDeliveryRecord.Columns.sequence).fetchAll(db)
                let dead = rows.filter { $0.deadAt != nil }
                let waiting = rows.filter { $0.deadAt == nil && $0.deliveredAt == nil }
                return ConsumerQueue(consumer: consumer, waiting: waiting.count, delivered: rows.count - dead.count - waiting.count, dead: dead.count,
                                     lastError: (waiting.first ?? dead.last)?.lastError, deadSequences: dead.map(\.sequence))
            }
        }
    }

    /// For each enabled consumer, the head of its queue (the lowest waiting sequence, so that a
    /// consumer receives changes in order) when its attempt is due, with the change; and the
    /// earliest later attempt among the others.
    public func dueConsumerHeads(now: Date) async throws -> (due: [(PublicationConsumerRecord, ConsumerDeliveryRecord, PublishedChangeRecord)], next: Date?) {
        try await read { db in
            var due: [(PublicationConsumerRecord, ConsumerDeliveryRecord, PublishedChangeRecord)] = []
            var next: [Date] = []
            for consumer in try PublicationConsumerRecord.filter(PublicationConsumerRecord.Columns.enabled == true).fetchAll(db) {
                guard let head = try ConsumerDeliveryRecord.filter(ConsumerDeliveryRecord.Columns.consumerId == (consumer.id ?? 0)
                                                                   && ConsumerDeliveryRecord.Columns.deliveredAt == nil && ConsumerDeliveryRecord.Columns.deadAt == nil)
                    .order(ConsumerDeliveryRecord.Columns.sequence).fetchOne(db) else { continue }
                if let at = head.nextAttemptAt, at > now {
                    next.append(at)
                } else if let change = try PublishedChangeRecord.fetchOne(db, key: head.sequence) {
                    due.append((consumer, head, change))
                }
            }
            return (due, next.min())
        }
    }

    /// The consumer acknowledged the change.
    public func markConsumerDelivered(consumerId: Int64, sequence: Int, at date: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE consumerDelivery SET deliveredAt = ?, attempts = attempts + 1, lastError = NULL WHERE consumerId = ? AND sequence = ?",
                           arguments: [date, consumerId, sequence])
        }
    }

    /// A failed push: retried at `retryAt`; a permanent refusal counts towards a dead letter.
    /// - Returns: whether the change became a dead letter (then the consumer's later changes go on).
    public func recordConsumerFailure(consumerId: Int64, sequence: Int, error: String, permanent: Bool, retryAt: Date, now: Date = Date()) async throws -> Bool {
        try await write { db in
            guard var row = try ConsumerDeliveryRecord.fetchOne(db, key: ["consumerId": consumerId, "sequence": sequence]) else { return false }
            row.attempts += 1
            row.lastError = String(error.prefix(500))
            row.nextAttemptAt = retryAt
            if permanent { row.refusals += 1 }
            if row.refusals >= Self.maxConsumerRefusals { row.deadAt = now }
            try row.update(db)
            return row.deadAt != nil
        }
    }

    /// Queues a consumer's dead letters again (operator).
    /// - Returns: how many; throws `StoreError(.notFound)` for an unknown consumer.
    public func retryConsumerDeadLetters(consumerId: Int64) async throws -> Int {
        try await write { db in
            guard try PublicationConsumerRecord.fetchOne(db, key: consumerId) != nil else { throw StoreError(.notFound, "no consumer \(consumerId)") }
            try db.execute(sql: "UPDATE consumerDelivery SET deadAt = NULL, refusals = 0, nextAttemptAt = NULL WHERE consumerId = ? AND deadAt IS NOT NULL",
                           arguments: [consumerId])
            return db.changesCount
        }
    }
}
