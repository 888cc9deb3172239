import Foundation
import GRDB
import ReviewProtocol
@testable import ReviewStore
import Testing

/// The outbox after v14: small rows, bodies apart, written once; the next sequence in one seek;
/// batches that keep each case's order; an outbox of an earlier version migrates whole.
@Suite struct OutboxStoreTests {
    func message(_ id: String, caseId: String?, sequence: Int, body: String = "frame", at date: Date = Date()) -> OutboxRecord {
        OutboxRecord(id: id, peer: "220100", caseId: caseId, caseSequence: sequence, type: .caseForwarded, body: Data(body.utf8),
                     signature: Data(repeating: 9, count: 64), createdAt: date)
    }

    @Test func anEarlierOutboxMigratesWithItsBodies() throws {
        let queue = try DatabaseQueue()
        try NodeStore.migrator.migrate(queue, upTo: "v11-policy-lineage")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO outbox (id, peer, caseId, caseSequence, type, body, createdAt, attempts, nextAttemptAt, deliveredAt, signature)
                VALUES ('old-1', '220100', 'c1', 1, 'caseForwarded', X'52565731', '2026-03-02 00:00:00.000', 0, '2026-03-02 00:00:00.000',
                        '2026-03-02 00:00:01.000', X'0102'),
                       ('old-2', '220100', 'c1', 2, 'caseResubmitted', X'52565732', '2026-03-02 00:00:02.000', 1, '2026-03-02 00:00:02.000', NULL, X'0304')
                """)
        }
        let store = try NodeStore(writer: queue)
        try queue.read { db in
            let columns = try db.columns(in: "outbox").map(\.name)
            #expect(!columns.contains("body") && !columns.contains("signature"))
            let first = try #require(try OutboxRecord.fetchOne(db, key: "old-1"))
            #expect(first.body == Data("RVW1".utf8) && first.signature == Data([1, 2]) && first.deliveredAt != nil)
            let pending = try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date(), maxCount: 10, maxBytes: .max)
            #expect(pending.map(\.id) == ["old-2"] && pending.first?.body == Data("RVW2".utf8))
            #expect(try NodeStore.nextOutboxSequence(db, peer: "220100", caseId: "c1") == 3)
        }
        _ = store
    }

    @Test func theDeliveredMarkLeavesTheBodyAndTheNextSequenceIsOneSeek() throws {
        let store = try NodeStore(writer: DatabaseQueue())
        try store.database.write { db in
            try message("a", caseId: "c1", sequence: 1, body: "body-a").insert(db)
            try NodeStore.markDelivered(db, messageIds: ["a"])
            let row = try #require(try OutboxRecord.fetchOne(db, key: "a"))
            #expect(row.deliveredAt != nil && row.body == Data("body-a".utf8))
            let detail = try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT caseSequence FROM outbox INDEXED BY outboxNextSequence
                WHERE peer = ? AND caseId IS ? AND discardedAt IS NULL ORDER BY caseSequence DESC LIMIT 1
                """, arguments: ["220100", nil as String?]).map { $0["detail"] as String? ?? "" }.joined(separator: " ")
            #expect(detail.contains("SEARCH") && detail.contains("outboxNextSequence"), "\(detail)")
            // The body goes with the row when it is pruned.
            try db.execute(sql: "DELETE FROM outbox WHERE id = 'a'")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outboxBody") == 0)
        }
    }

    @Test func aBatchKeepsEachCasesOrderAndStopsAtAWaitingOrDeadMessage() throws {
        let store = try NodeStore(writer: DatabaseQueue())
        let start = Date().addingTimeInterval(-100)
        try store.database.write { db in
            try message("c1-1", caseId: "c1", sequence: 1, at: start).insert(db)
            var waiting = message("c2-1", caseId: "c2", sequence: 1, at: start.addingTimeInterval(1))
            waiting.nextAttemptAt = Date().addingTimeInterval(60)
            try waiting.insert(db)
            try message("c1-2", caseId: "c1", sequence: 2, at: start.addingTimeInterval(2)).insert(db)
            try message("c2-2", caseId: "c2", sequence: 2, at: start.addingTimeInterval(3)).insert(db)
            var dead = message("c3-1", caseId: "c3", sequence: 1, at: start.addingTimeInterval(4))
            dead.deadAt = Date()
            try dead.insert(db)
            try message("c3-2", caseId: "c3", sequence: 2, at: start.addingTimeInterval(5)).insert(db)
            try message("n-1", caseId: nil, sequence: 1, at: start.addingTimeInterval(6)).insert(db)
            try message("c4-1", caseId: "c4", sequence: 1, body: String(repeating: "x", count: 100), at: start.addingTimeInterval(7)).insert(db)
        }
        try store.database.read { db in
            let all = try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date(), maxCount: 64, maxBytes: .max).map(\.id)
            #expect(all == ["c1-1", "c1-2", "n-1", "c4-1"])
            #expect(try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date(), maxCount: 2, maxBytes: .max).map(\.id) == ["c1-1", "c1-2"])
            // Bytes: the first message always goes; the batch stops before the one that would overflow.
            #expect(try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date(), maxCount: 64, maxBytes: 20).map(\.id) == ["c1-1", "c1-2", "n-1"])
            #expect(try NodeStore.dueOutboxBatch(db, peer: "220100", now: Date(), caselessOnly: true, maxCount: 64, maxBytes: .max).map(\.id) == ["n-1"])
            #expect(try NodeStore.dueOutboxHead(db, peer: "220100", now: Date())?.id == "c1-1")
        }
    }
}
