import Foundation
import GRDB
import ReviewProtocol
import ReviewStore
import Testing

@Suite struct NodeStoreTests {
    func memoryStore() throws -> NodeStore { try NodeStore(writer: DatabaseQueue()) }

    @Test func onDiskStoreUsesWALAndTheConfiguredDurability() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let full = try NodeStore(path: folder.appendingPathComponent("a.sqlite").path, durability: .full)
        let pragmas = try await full.pragmas()
        #expect(pragmas.journalMode == "wal")
        #expect(pragmas.synchronous == 2)
        #expect(pragmas.tempStore == 2, "the writer's statement journals stay in memory")
        let normal = try NodeStore(path: folder.appendingPathComponent("b.sqlite").path, durability: .normal)
        #expect(try await normal.pragmas().synchronous == 1)
    }

    @Test func tokensAreStoredHashedAndAuthenticate() async throws {
        let store = try memoryStore()
        let (user, token) = try await store.write { db in
            try NodeStore.createUser(db, name: "起草员", role: .drafter, unit: "德惠市财政局", isCityNode: false)
        }
        #expect(token.hasPrefix("prt_") && token.count == 47)
        #expect(user.tokenHash == UserRecord.hash(token: token))
        #expect(!user.tokenHash.contains(token))
        let found = try await store.read { db in try NodeStore.user(db, token: token) }
        #expect(found?.id == user.id)
        let nobody = try await store.read { db in try NodeStore.user(db, token: token + "x") }
        #expect(nobody == nil)
        try await store.write { db in try db.execute(sql: "UPDATE user SET disabled = 1") }
        #expect(try await store.read { db in try NodeStore.user(db, token: token) } == nil)
    }

    @Test func userCreationValidatesRoleUnitAndTier() async throws {
        let store = try memoryStore()
        for (role, unit, isCity) in [(Role.drafter, nil as String?, false), (.cityReviewer, nil, false), (.countyReviewer, nil, true), (.supervisor, nil, false)] {
            await #expect(throws: StoreError.self) {
                try await store.write { db in _ = try NodeStore.createUser(db, name: "某人", role: role, unit: unit, isCityNode: isCity) }
            }
        }
        await #expect(throws: StoreError.self) {
            try await store.write { db in _ = try NodeStore.createUser(db, name: "  ", role: .operator, unit: nil, isCityNode: true) }
        }
    }

    @Test func eventLogIsHashChainedAndAppendOnly() async throws {
        let store = try memoryStore()
        try await store.write { db in
            for action in ["submit", "accept", "requestSupplement"] {
                try NodeStore.appendEvent(db, caseId: "220183-2026-0001", actor: "user:1:张三", action: action, payload: ["k": action])
            }
        }
        #expect(try await store.read { db in try NodeStore.firstBrokenEvent(db) } == nil)
        let events = try await store.read { db in try EventRecord.order(Column("seq")).fetchAll(db) }
        #expect(events.first?.previousHash == EventRecord.genesis)
        #expect(events[1].previousHash == events[0].hash)
        // Updates and deletes are refused by the database itself.
        await #expect(throws: DatabaseError.self) { try await store.write { db in try db.execute(sql: "UPDATE event SET action = 'x'") } }
        await #expect(throws: DatabaseError.self) { try await store.write { db in try db.execute(sql: "DELETE FROM event") } }
        // Someone with file access who drops the guard and edits history is caught.
        try await store.write { db in
            try db.execute(sql: "DROP TRIGGER eventNoUpdate")
            try db.execute(sql: "UPDATE event SET payload = '{\"k\":\"forged\"}' WHERE seq = 2")
        }
        #expect(try await store.read { db in try NodeStore.firstBrokenEvent(db) } == 2)
    }

    @Test func aDatabaseBelongsToOneNode() throws {
        let store = try memoryStore()
        try store.claim(nodeId: "220183", tier: .county)
        try store.claim(nodeId: "220183", tier: .county)
        #expect(throws: StoreError.self) { try store.claim(nodeId: "220182", tier: .county) }
        #expect(throws: StoreError.self) { try store.claim(nodeId: "220183", tier: .city) }
    }

    @Test func migrationsCreateEveryTable() async throws {
        let store = try memoryStore()
        let tables = try await store.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for table in ["caseMaterial", "caseRevision", "event", "inbox", "materialBlob", "nodeMeta", "notice", "opinion", "outbox", "reviewCase", "user"] {
            #expect(tables.contains(table), "\(table)")
        }
    }
}
