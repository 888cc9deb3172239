public import Foundation
public import GRDB
import ReviewProtocol

/// Frames that reference material blobs instead of copying them (migration `v15-outbox-blob-refs`).
///
/// A forwarded case carries its materials (about half a megabyte) as the attachments of its
/// `RVW1` frame. The node already keeps each material byte-exact in `materialBlob` under its
/// SHA-256, so an outbox message (and a received message kept in the inbox for resync) stores
/// only the frame's head — `RVW1`, the JSON length and the signed JSON — and lists its
/// attachments by digest in `outboxAttachment` / `inboxAttachment`; the whole frame is put
/// together when it is read (to send it, to resend it). The bytes sent are the same: the
/// signature covers the JSON, which names every attachment by its SHA-256.
///
/// A blob listed there cannot be deleted while the row lists it (a foreign key; no code path
/// deletes blobs today), so an undelivered message never loses its attachments. Rows written
/// before these migrations keep their whole frame and have no attachment rows.
extension NodeStore {
    static func registerFrameReferenceMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v15-outbox-blob-refs") { db in
            try db.create(table: "outboxAttachment", options: [.withoutRowID]) { t in
                t.column("id", .text).notNull().references("outbox", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("sha256", .text).notNull().references("materialBlob")
                t.primaryKey(["id", "position"])
            }
            // A blob's references in one seek (SQLite checks it before a blob could be deleted).
            try db.create(index: "outboxAttachmentBlob", on: "outboxAttachment", columns: ["sha256"])
            // The same for the frames kept with received case messages (for a resync).
            try db.create(table: "inboxAttachment", options: [.withoutRowID]) { t in
                t.column("id", .text).notNull().references("inbox", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("sha256", .text).notNull().references("materialBlob")
                t.primaryKey(["id", "position"])
            }
            try db.create(index: "inboxAttachmentBlob", on: "inboxAttachment", columns: ["sha256"])
        }
    }

    /// Where a frame's attachments are listed.
    enum AttachmentTable: String {
        case outbox = "outboxAttachment"
        case inbox = "inboxAttachment"
    }

    /// Lists `digests` (in attachment order) as the attachments of row `id`.
    static func insertAttachmentReferences(_ db: Database, _ table: AttachmentTable, id: String, digests: [String]) throws {
        guard !digests.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO \(table.rawValue)(id, position, sha256) VALUES (?, ?, ?)")
        for (position, digest) in digests.enumerated() { try statement.execute(arguments: [id, position, digest]) }
    }

    /// Appends to each stored frame head in `frames` (by row id) the blobs its row lists, each
    /// as an 8-byte big-endian length and its bytes: the whole frame as it was signed and sent.
    /// Rows without attachment rows (whole frames, or messages without materials) are unchanged.
    static func completeFrames(_ db: Database, _ table: AttachmentTable, _ frames: inout [String: Data]) throws {
        guard !frames.isEmpty else { return }
        let ids = Array(frames.keys)
        // In chunks: SQLite bounds the number of host parameters.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            // Each whole frame in one allocation: its size first, then the bytes.
            var whole: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT a.id, SUM(8 + m.bytes) FROM \(table.rawValue) a JOIN materialBlob m ON m.sha256 = a.sha256 WHERE a.id IN (\(marks)) GROUP BY a.id
                """, arguments: StatementArguments(chunk)) {
                let id: String = row[0]
                guard let head = frames[id] else { continue }
                var frame = Data(capacity: head.count + (row[1] as Int))
                frame.append(head)
                whole[id] = frame
            }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT a.id, m.content FROM \(table.rawValue) a JOIN materialBlob m ON m.sha256 = a.sha256
                WHERE a.id IN (\(marks)) ORDER BY a.id, a.position
                """, arguments: StatementArguments(chunk))
            while let row = try rows.next() {
                let id: String = row[0]
                // The blob's bytes as SQLite holds them, copied once, into the frame.
                try row.withUnsafeData(atIndex: 1) { content in
                    guard let content else { return }
                    withUnsafeBytes(of: UInt64(content.count).bigEndian) { whole[id]?.append(contentsOf: $0) }
                    whole[id]?.append(content)
                }
            }
            frames.merge(whole) { _, new in new }
        }
    }

    /// The stored form of `frame` when every attachment is a blob this node holds: its head
    /// and the attachments' digests; nil when one is not held (the frame is then kept whole).
    static func referencedForm(_ db: Database, frame: Data, attachmentDigests digests: [String]) throws -> Data? {
        guard !digests.isEmpty, let jsonLength = FederationFrame.declaredJSONLength(frame) else { return nil }
        let held = try Int.fetchOne(db, sql: """
            SELECT COUNT(DISTINCT sha256) FROM materialBlob WHERE sha256 IN (\(Array(repeating: "?", count: digests.count).joined(separator: ",")))
            """, arguments: StatementArguments(digests)) ?? 0
        guard held == Set(digests).count else { return nil }
        return Data(frame.prefix(FederationFrame.headerLength + jsonLength))
    }
}

extension OutboxRecord {
    /// Completes the stored frame heads of `messages` with their referenced blobs.
    static func withFrames(_ db: Database, _ messages: [OutboxRecord]) throws -> [OutboxRecord] {
        var frames = Dictionary(messages.map { ($0.id, $0.body) }, uniquingKeysWith: { first, _ in first })
        try NodeStore.completeFrames(db, .outbox, &frames)
        return messages.map { message in
            var message = message
            message.body = frames[message.id] ?? message.body
            return message
        }
    }
}
