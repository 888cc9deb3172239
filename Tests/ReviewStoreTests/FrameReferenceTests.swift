import Crypto
import Foundation
import GRDB
import ReviewProtocol
@testable import ReviewStore
import Testing

/// v15-outbox-blob-refs: an outbox message (and a received frame kept for resync) whose
/// attachments are stored material blobs keeps only the frame's head and the blobs' digests;
/// what is read back to send or resend is byte for byte the frame that was signed.
@Suite struct FrameReferenceTests {
    let json = Data(#"{"id":"m1","materials":"by digest"}"#.utf8)
    let blobs = [Data(repeating: 1, count: 70_000), Data("second".utf8), Data(repeating: 3, count: 1234)]

    func digest(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    func storeBlobs(_ db: Database) throws {
        for blob in blobs {
            try MaterialBlobRecord(sha256: digest(blob), bytes: blob.count, content: blob, uploadedBy: nil, createdAt: Date()).insert(db, onConflict: .ignore)
        }
    }

    @Test func anOutboxMessageReferencesItsBlobsAndIsSentWhole() throws {
        let store = try NodeStore(writer: DatabaseQueue())
        let whole = FederationFrame.encode(json: json, attachments: blobs)
        try store.database.write { db in
            try storeBlobs(db)
            var message = OutboxRecord(id: "m1", peer: "220100", caseId: "c1", caseSequence: 1, type: .caseForwarded,
                                       body: FederationFrame.encode(json: json), signature: Data(repeating: 9, count: 64), createdAt: Date())
            message.materialDigests = blobs.map(digest)
            try NodeStore.insert(db, outbox: message)
            // A message with its bytes inline, next to it, is unchanged.
            try NodeStore.insert(db, outbox: OutboxRecord(id: "m2", peer: "220100", caseId: "c2", caseSequence: 1, type: .caseForwarded,
                                                          body: whole, signature: Data(repeating: 8, count: 64), createdAt: Date()))
        }
        try store.database.write { db in
            // Stored: the head only, and the three digests in order.
            let stored = try #require(try Data.fetchOne(db, sql: "SELECT body FROM outboxBody WHERE id = 'm1'"))
            #expect(stored == FederationFrame.encode(json: json))
            #expect(try String.fetchAll(db, sql: "SELECT sha256 FROM outboxAttachment WHERE id = 'm1' ORDER BY position") == blobs.map(digest))
            // Read to send: the whole frame, and the batch's byte budget counts the blobs.
            let due = try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date().addingTimeInterval(1), maxCount: 10, maxBytes: .max)
            #expect(due.map(\.id) == ["m1", "m2"] && due.allSatisfy { $0.body == whole })
            let first = try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date().addingTimeInterval(1), maxCount: 10, maxBytes: whole.count + 10)
            #expect(first.map(\.id) == ["m1"])
            // In flight: left out, and its case's later messages with it.
            let rest = try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date().addingTimeInterval(1), maxCount: 10, maxBytes: .max, excluding: ["m1"])
            #expect(rest.map(\.id) == ["m2"])
            #expect(try FederationFrame.decode(due[0].body).attachments == blobs)
            // A referenced blob cannot go while the message lists it.
            #expect(throws: DatabaseError.self) { try db.execute(sql: "DELETE FROM materialBlob WHERE sha256 = ?", arguments: [digest(blobs[0])]) }
            // The references go with the message.
            try NodeStore.markDelivered(db, messageIds: ["m1"])
            try db.execute(sql: "DELETE FROM outbox WHERE id = 'm1'")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outboxAttachment") == 0)
        }
    }

    @Test func aReceivedFrameKeptForResyncReferencesHeldBlobsOnly() throws {
        let store = try NodeStore(writer: DatabaseQueue())
        let head = FederationFrame.encode(json: json)
        let whole = FederationFrame.encode(json: json, attachments: blobs)
        let unknown = [Data("not stored here".utf8)]
        try store.database.write { db in
            try storeBlobs(db)
            for (id, attachments) in [("r1", blobs), ("r2", unknown)] {
                var inbox = InboxRecord(id: id, sender: "220183", receivedAt: Date(), result: Data("{}".utf8), caseId: "c-\(id)", sequence: 1,
                                        type: .caseForwarded, chainHead: nil)
                inbox.frame = head
                inbox.signature = Data(repeating: 7, count: 64)
                try NodeStore.recordReceived(db, inbox, from: "220183", attachments: attachments)
            }
        }
        try store.database.write { db in
            #expect(try Data.fetchOne(db, sql: "SELECT frame FROM inbox WHERE id = 'r1'") == head)
            #expect(try Data.fetchOne(db, sql: "SELECT frame FROM inbox WHERE id = 'r2'") == FederationFrame.encode(json: json, attachments: unknown))
            let kept = try NodeStore.caseMessagesReceived(db, from: "220183")
            #expect(kept.first { $0.id == "r1" }?.frame == whole)
            #expect(kept.first { $0.id == "r2" }?.frame == FederationFrame.encode(json: json, attachments: unknown))
            // Dropping the kept frames after the retention window drops the references too.
            let (_, frames) = try NodeStore.pruneDelivered(db, before: Date().addingTimeInterval(1))
            #expect(frames == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inboxAttachment") == 0)
        }
    }
}
