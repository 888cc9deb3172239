import Foundation
import GRDB
import ReviewNode
import ReviewProtocol
import ReviewStore
import Testing

/// Backup archives on disk, without a node process: what they hold, what verify catches, what a
/// restore leaves behind, and the retention pruning the resync depends on.
@Suite struct NodeBackupTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backup-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A data directory with a claimed store, an event and a key.
    func node(in root: URL, id: String = "220183") async throws -> URL {
        let data = root.appendingPathComponent("data-\(id)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let store = try NodeStore(path: data.appendingPathComponent("node.sqlite").path)
        try store.claim(nodeId: id, tier: .county)
        try await store.write { db in try NodeStore.appendEvent(db, caseId: nil, actor: "system", action: "test") }
        _ = try NodeIdentity.loadOrCreate(in: data)
        return data
    }

    @Test func aBackupVerifiesAndARestoreStartsAFreshResync() async throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try await node(in: root)
        // State of an earlier resync, as a backup taken after one would carry it.
        let store = try NodeStore(path: data.appendingPathComponent("node.sqlite").path)
        try await store.write { db in
            try NodeStore.setMeta(db, "resyncRequestedAt", "2026-01-01T00:00:00Z")
            try NodeStore.setMeta(db, "resync.result.220100", "{}")
        }
        let file = root.appendingPathComponent("b.zip")
        let manifest = try NodeBackup.create(dataDirectory: data, to: file)
        #expect(manifest.facts.nodeId == "220183" && manifest.facts.events == 1 && manifest.keyFingerprint != nil)
        // Every migration this build knows, the newest last.
        #expect(manifest.facts.migrations == NodeStore.migrationNames)
        #expect(manifest.facts.migrations.contains("v9-operations"))
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        #expect(try NodeBackup.verify(file).problems.isEmpty)
        #expect(throws: NodeBackupError.self) { try NodeBackup.create(dataDirectory: data, to: file) }

        let target = root.appendingPathComponent("restored")
        let restored = try NodeBackup.restore(file, into: target, expectedNodeId: nil)
        #expect(restored.keyInstalled && restored.setAside == nil)
        #expect(try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("node.key").path)[.posixPermissions] as? Int == 0o600)
        let meta = try await DatabaseQueue(path: target.appendingPathComponent("node.sqlite").path).read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM nodeMeta").map { ($0["key"] as String, $0["value"] as String) })
        }
        #expect(meta["resyncPending"] != nil && meta["restoredFrom"] != nil)
        #expect(meta["resyncRequestedAt"] == nil && meta["resync.result.220100"] == nil)

        // Again over it: the replaced files go aside; another node's directory refuses.
        let again = try NodeBackup.restore(file, into: target, expectedNodeId: "220183")
        #expect(again.setAside != nil && !again.keyInstalled)
        let other = try await node(in: root, id: "220182")
        #expect(throws: NodeBackupError.self) { try NodeBackup.restore(file, into: other, expectedNodeId: nil) }
    }

    @Test func verifyCatchesABrokenChainAndAForeignDatabase() async throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try await node(in: root)
        let store = try NodeStore(path: data.appendingPathComponent("node.sqlite").path)
        try await store.write { db in
            try NodeStore.appendEvent(db, caseId: nil, actor: "system", action: "second")
            // Tampering as someone with the file would: past the append-only trigger.
            try db.execute(sql: "DROP TRIGGER eventNoUpdate")
            try db.execute(sql: "UPDATE event SET action = 'edited' WHERE seq = 1")
        }
        let file = root.appendingPathComponent("b.zip")
        try NodeBackup.create(dataDirectory: data, to: file)
        #expect(try NodeBackup.verify(file).problems.contains { $0.contains("event chain breaks at event 1") })
        let junk = root.appendingPathComponent("junk.zip")
        try Data("not a zip".utf8).write(to: junk)
        #expect(throws: NodeBackupError.self) { try NodeBackup.verify(junk) }
    }

    @Test func retentionPruningKeepsYoungMessagesAndEachCaseQueuesLast() async throws {
        let store = try NodeStore(writer: DatabaseQueue())
        let old = Date().addingTimeInterval(-40 * 86400)
        try await store.write { db in
            for sequence in 1...3 {
                var row = OutboxRecord(id: "m\(sequence)", peer: "220100", caseId: "220183-2026-0001", caseSequence: sequence, type: .caseForwarded,
                                       body: Data(), signature: Data(), createdAt: old)
                row.deliveredAt = sequence == 3 ? Date() : old
                try row.insert(db)
            }
            var alone = OutboxRecord(id: "m4", peer: "220100", caseId: "220183-2026-0002", caseSequence: 1, type: .caseForwarded,
                                     body: Data(), signature: Data(), createdAt: old)
            alone.deliveredAt = old
            try alone.insert(db)
            var received = InboxRecord(id: "i1", sender: "220100", receivedAt: old, result: Data(), caseId: "220183-2026-0001", sequence: 1,
                                       type: .received, chainHead: nil)
            received.frame = Data([1])
            received.signature = Data([2])
            try received.insert(db)
        }
        let (outbox, frames) = try await store.write { db in try NodeStore.pruneDelivered(db, before: Date().addingTimeInterval(-30 * 86400)) }
        #expect(outbox == 2 && frames == 1)
        let left = try await store.read { db in try String.fetchAll(db, sql: "SELECT id FROM outbox ORDER BY id") }
        #expect(left == ["m3", "m4"])
        #expect(try await store.read { db in try NodeStore.nextOutboxSequence(db, peer: "220100", caseId: "220183-2026-0002") } == 2)
    }
}
