public import Foundation
public import GRDB
import Crypto

/// One entry of the node's append-only, hash-chained event log. `hash` = SHA-256 over the
/// previous hash and this entry's fields, so that changing or removing any entry breaks
/// every hash after it.
public struct EventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"

    public var seq: Int64?
    public var caseId: String?
    /// `user:<id>:<name>`, `node:<id>` or `system`.
    public var actor: String
    public var action: String
    /// ISO 8601 UTC timestamp.
    public var at: String
    public var payloadDigest: String
    /// The event's details (JSON object).
    public var payload: String
    public var previousHash: String
    public var hash: String

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }

    /// The hash of the first entry's predecessor.
    public static let genesis = String(repeating: "0", count: 64)

    static func chainHash(previous: String, caseId: String?, actor: String, action: String, at: String, payloadDigest: String) -> String {
        let fields = [previous, caseId ?? "", actor, action, at, payloadDigest].joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(fields.utf8)).hexString
    }

    /// Whether this entry's hash matches its fields and `previous`.
    public func verifies(after previous: String) -> Bool {
        previousHash == previous
            && SHA256.hash(data: Data(payload.utf8)).hexString == payloadDigest
            && hash == Self.chainHash(previous: previous, caseId: caseId, actor: actor, action: action, at: at, payloadDigest: payloadDigest)
    }
}

extension NodeStore {
    /// Appends an event in the caller's transaction.
    @discardableResult
    public static func appendEvent(_ db: Database, caseId: String?, actor: String, action: String, payload: [String: String] = [:], at: Date = Date()) throws -> EventRecord {
        let head = try chainHead(db)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payloadText = String(decoding: try encoder.encode(payload), as: UTF8.self)
        let digest = SHA256.hash(data: Data(payloadText.utf8)).hexString
        let timestamp = at.formatted(.iso8601)
        var event = EventRecord(
            seq: nil, caseId: caseId, actor: actor, action: action, at: timestamp, payloadDigest: digest, payload: payloadText,
            previousHash: head,
            hash: EventRecord.chainHash(previous: head, caseId: caseId, actor: actor, action: action, at: timestamp, payloadDigest: digest))
        try event.insert(db)
        return event
    }

    /// The chain head: the last event's hash, or the genesis hash.
    public static func chainHead(_ db: Database) throws -> String {
        try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM event ORDER BY seq DESC LIMIT 1")) ?? EventRecord.genesis
    }

    /// Checks the whole chain; returns the sequence number of the first entry that does not
    /// verify, or nil when the chain is whole.
    public static func firstBrokenEvent(_ db: Database) throws -> Int64? {
        var previous = EventRecord.genesis
        let cursor = try EventRecord.order(EventRecord.Columns.seq).fetchCursor(db)
        while let event = try cursor.next() {
            guard event.verifies(after: previous) else { return event.seq }
            previous = event.hash
        }
        return nil
    }
}
