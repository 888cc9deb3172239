public import Foundation
import Crypto
import GRDB
public import ReviewProtocol

/// Why a published change was not mirrored. `message` is one English line.
public struct MirrorError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Art 14: checks one feed entry as a consumer must: the signer is a city key in the keyring
/// that was valid on the publication's (Beijing) date, the signature covers the signed bytes,
/// and the document shown is the one signed.
/// - Returns: the signed document.
/// - Throws: ``MirrorError`` naming what failed.
public func verifyPublishedEntry(_ entry: PublishedEntry, keyring: Keyring) throws -> (item: PublishedItem, bytes: Data, signature: Data) {
    guard let bytes = Data(base64Encoded: entry.signed.document), let signature = Data(base64Encoded: entry.signed.signature) else {
        throw MirrorError("change \(entry.sequence): signed.document or signed.signature is not base64")
    }
    guard let key = keyring.key(entry.signed.signerPublicKey, of: entry.signed.signerNodeId) else {
        throw MirrorError("change \(entry.sequence): the signing key is not a known key of node \(entry.signed.signerNodeId)")
    }
    guard key.tier == Tier.city.rawValue else { throw MirrorError("change \(entry.sequence): node \(entry.signed.signerNodeId) is not a city node") }
    guard let raw = Data(base64Encoded: key.publicKey), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
          publicKey.isValidSignature(signature, for: bytes) else {
        throw MirrorError("change \(entry.sequence): the signature does not verify")
    }
    guard let item = try? JSONDecoder().decode(PublishedItem.self, from: bytes) else {
        throw MirrorError("change \(entry.sequence): the signed bytes are not a published item")
    }
    guard item.publisher == entry.signed.signerNodeId, let published = try? Date(item.publishedAt, strategy: .iso8601),
          keyring.wasValid(key, on: CivilDate(beijingDayOf: published)) else {
        throw MirrorError("change \(entry.sequence): the key was not \(entry.signed.signerNodeId)'s key when the item was published (\(item.publishedAt))")
    }
    guard item == entry.document, item.sequence == entry.sequence, item.itemId == entry.itemId, item.change == entry.change,
          item.effectiveOn == entry.effectiveOn else {
        throw MirrorError("change \(entry.sequence): the document shown differs from the signed one")
    }
    return (item, bytes, signature)
}

/// The reference consumer's local copy of the city's published feed (a SQLite file): every
/// change with its signed bytes, and the cursor, written in one transaction per page so that a
/// consumer killed at any point resumes where its last commit ended, with nothing lost or doubled.
public final class PublishedMirror: Sendable {
    private let writer: DatabaseQueue

    /// One mirrored change.
    public struct Change: Sendable, Hashable, Codable {
        public var sequence: Int
        public var itemId: String
        public var change: CaseKind
        public var effectiveOn: CivilDate
        /// The signed bytes and the signature, as received.
        public var document: Data
        public var signature: Data
    }

    /// Opens (creating) the mirror at `path`.
    /// - Throws: GRDB errors when the file cannot be opened.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        writer = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "mirrorChange") { t in
                t.primaryKey("sequence", .integer)
                t.column("itemId", .text).notNull().indexed()
                t.column("change", .text).notNull()
                t.column("effectiveOn", .text).notNull()
                t.column("document", .blob).notNull()
                t.column("signature", .blob).notNull()
            }
            try db.create(table: "mirrorCursor") { t in
                t.primaryKey("id", .integer)
                t.column("after", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO mirrorCursor(id, after) VALUES (1, 0)")
        }
        try migrator.migrate(writer)
    }

    /// The last sequence applied (0 before the first).
    public func cursor() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT after FROM mirrorCursor WHERE id = 1") ?? 0 }
    }

    /// Verifies and applies a page, in one transaction: each entry must be the next in the feed
    /// (sequence = cursor + 1, so none is skipped) or one already applied (then ignored: a
    /// repeated change has no second effect).
    /// - Returns: how many changes were new.
    /// - Throws: ``MirrorError`` (nothing of the page applied) when an entry does not verify or a change is missing.
    public func apply(_ entries: [PublishedEntry], keyring: Keyring) throws -> Int {
        let verified = try entries.map { entry in (entry, try verifyPublishedEntry(entry, keyring: keyring)) }
        return try writer.write { db in
            var after = try Int.fetchOne(db, sql: "SELECT after FROM mirrorCursor WHERE id = 1") ?? 0
            var applied = 0
            for (entry, checked) in verified {
                if entry.sequence <= after { continue }
                guard entry.sequence == after + 1 else {
                    throw MirrorError("change \(after + 1) is missing: the feed jumped from \(after) to \(entry.sequence)")
                }
                try db.execute(sql: "INSERT INTO mirrorChange(sequence, itemId, change, effectiveOn, document, signature) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [entry.sequence, entry.itemId, entry.change.rawValue, entry.effectiveOn.description, checked.bytes, checked.signature])
                after = entry.sequence
                applied += 1
            }
            try db.execute(sql: "UPDATE mirrorCursor SET after = ? WHERE id = 1", arguments: [after])
            return applied
        }
    }

    /// Every mirrored change, in feed order.
    public func changes() throws -> [Change] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM mirrorChange ORDER BY sequence").map { row in
                Change(sequence: row["sequence"], itemId: row["itemId"], change: CaseKind(rawValue: row["change"]) ?? .launch,
                       effectiveOn: CivilDate(iso: row["effectiveOn"] as String) ?? CivilDate(dayNumber: 0), document: row["document"], signature: row["signature"])
            }
        }
    }

    /// The current set on `date`: per item, the version in force (the latest change effective
    /// by then), without the items withdrawn by then.
    public func currentSet(on date: CivilDate) throws -> [String: Int] {
        var current: [String: Change] = [:]
        for change in try changes() where change.effectiveOn <= date {
            current[change.itemId] = change
        }
        return current.filter { $0.value.change != .withdrawal }.mapValues(\.sequence)
    }
}
