import Crypto
import Foundation
import GRDB
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// Art 14 in the store: what a confirmation publishes, the version in force by effective date,
/// consumers' jurisdictions, and what a consumer accepts (key history, tampering, gaps, repeats).
@Suite struct PublicationStoreTests {
    let oldKey = Curve25519.Signing.PrivateKey()
    let newKey = Curve25519.Signing.PrivateKey()

    func caseRecord(_ id: String, kind: CaseKind, launchDate: String, original: String? = nil) -> CaseRecord {
        var record = CaseRecord(
            id: id, kind: kind, level: .city, state: kind == .withdrawal ? .withdrawalConfirmed : .launchConfirmed, title: "长春市支持科技创新若干措施",
            documentNumber: "长府办发〔2026〕1号", draftingUnit: "长春市科学技术局", divisionCode: "220100", originNode: "220100", submittedBy: nil,
            submittedOn: Fixtures.date("2026-03-02"), acceptedOn: nil, clockStops: [], clockLimit: 10, dueOn: nil, effectiveDate: nil,
            lateApplication: false, currentRevision: 1, materialsDueOn: nil, preliminaryConclusion: nil, opinionIssuedOn: nil, revisionDueOn: nil,
            revisedOn: nil, disagreement: nil, coordination: nil, launchDate: Fixtures.date(launchDate), launchConfirmedOn: Fixtures.date("2026-03-02"),
            createdAt: Date(), updatedAt: Date())
        record.originalCaseId = original
        return record
    }

    /// Inserts the case with the clean example as its form and publishes it, signed by `key` at `now`.
    func publish(_ store: NodeStore, _ record: CaseRecord, key: Curve25519.Signing.PrivateKey, now: Date) async throws -> Int? {
        var form = try Fixtures.example(record.kind == .withdrawal ? "withdrawal-clean.json" : "launch-clean.json")
        form.policy.kind = record.kind
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let formData = try encoder.encode(form)
        return try await store.write { db in
            try record.insert(db)
            try RevisionRecord(caseId: record.id, revision: 1, form: formData, createdOn: record.submittedOn, createdBy: nil).insert(db)
            return try NodeStore.recordPublication(db, case: record, publisher: "220100", signerPublicKey: key.publicKey.rawRepresentation.base64EncodedString(),
                                                   now: now) { try key.signature(for: $0) }
        }
    }

    var keyring: Keyring {
        Keyring(keys: [
            .init(nodeId: "220100", name: "长春", tier: "city", publicKey: oldKey.publicKey.rawRepresentation.base64EncodedString(), fingerprint: nil,
                  validFrom: "2026-01-01T00:00:00Z", validUntil: "2026-03-20T00:00:00Z"),
            .init(nodeId: "220100", name: "长春", tier: "city", publicKey: newKey.publicKey.rawRepresentation.base64EncodedString(), fingerprint: nil,
                  validFrom: "2026-03-20T00:00:00Z", validUntil: nil),
        ])
    }

    func date(_ iso: String) throws -> Date { try Date(iso, strategy: .iso8601) }

    @Test func changesContinueTheirItemAndTakeEffectOnTheirDateAndOldDocumentsVerifyAfterARekey() async throws {
        let store = try NodeStore(writer: DatabaseQueue())
        let launch = caseRecord("220100-2026-0001", kind: .launch, launchDate: "2026-03-10")
        #expect(try await publish(store, launch, key: oldKey, now: try date("2026-03-02T02:00:00Z")) == 1)
        // After the re-key, the adjustment is signed with the new key.
        let adjustment = caseRecord("220100-2026-0002", kind: .adjustment, launchDate: "2026-04-01", original: launch.id)
        #expect(try await publish(store, adjustment, key: newKey, now: try date("2026-03-25T02:00:00Z")) == 2)
        let withdrawal = caseRecord("220100-2026-0003", kind: .withdrawal, launchDate: "2026-05-06", original: adjustment.id)
        #expect(try await publish(store, withdrawal, key: newKey, now: try date("2026-03-26T02:00:00Z")) == 3)
        // Publishing the same case again changes nothing.
        #expect(try await store.write { db in
            try NodeStore.recordPublication(db, case: launch, publisher: "220100", signerPublicKey: "", sign: { _ in Data() })
        } == nil)

        let versions = try await store.publishedVersions(of: launch.id)
        #expect(versions.map(\.sequence) == [1, 2, 3])
        #expect(NodeStore.versionInForce(versions, on: Fixtures.date("2026-03-09")) == nil)
        #expect(NodeStore.versionInForce(versions, on: Fixtures.date("2026-03-31"))?.sequence == 1)
        #expect(NodeStore.versionInForce(versions, on: Fixtures.date("2026-04-01"))?.sequence == 2)
        #expect(NodeStore.versionInForce(versions, on: Fixtures.date("2026-05-06"))?.sequence == 3)

        let entries = try versions.map { try $0.entry(signerNodeId: "220100") }
        let last = entries[2].document
        #expect(last.version == 3 && last.status == .offline && last.history.map(\.change) == [.launch, .adjustment, .withdrawal])
        #expect(last.launchDate == Fixtures.date("2026-03-10"))
        #expect(!last.serviceItems.isEmpty, "a withdrawal names the items that go offline")
        // The old document verifies with the retired key, the new ones with the new key.
        for entry in entries { _ = try verifyPublishedEntry(entry, keyring: keyring) }

        // What a consumer refuses: a shown document that differs from the signed one, a signature
        // that does not cover the bytes, a key used after it was retired, an unknown key.
        var tampered = entries[0]
        tampered.document.status = .offline
        #expect(throws: MirrorError.self) { try verifyPublishedEntry(tampered, keyring: keyring) }
        var forged = entries[0]
        var bytes = Data(base64Encoded: forged.signed.document) ?? Data()
        bytes[bytes.count / 2] ^= 1
        forged.signed.document = bytes.base64EncodedString()
        #expect(throws: MirrorError.self) { try verifyPublishedEntry(forged, keyring: keyring) }
        let late = caseRecord("220100-2026-0004", kind: .launch, launchDate: "2026-04-10")
        _ = try await publish(store, late, key: oldKey, now: try date("2026-04-02T02:00:00Z"))
        let lateEntry = try #require(try await store.publishedVersions(of: late.id).first).entry(signerNodeId: "220100")
        #expect(throws: MirrorError.self) { try verifyPublishedEntry(lateEntry, keyring: keyring) }
        #expect(throws: MirrorError.self) { try verifyPublishedEntry(entries[0], keyring: Keyring(keys: [])) }
    }

    @Test func theMirrorAppliesInOrderOnceAndRefusesAGap() async throws {
        let store = try NodeStore(writer: DatabaseQueue())
        let launch = caseRecord("220100-2026-0001", kind: .launch, launchDate: "2026-03-10")
        _ = try await publish(store, launch, key: newKey, now: try date("2026-03-25T02:00:00Z"))
        _ = try await publish(store, caseRecord("220100-2026-0002", kind: .withdrawal, launchDate: "2026-05-06", original: launch.id),
                              key: newKey, now: try date("2026-03-26T02:00:00Z"))
        let entries = try await store.publishedChanges(after: 0, limit: 10).changes.map { try $0.entry(signerNodeId: "220100") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let mirror = try PublishedMirror(path: path)
        #expect(throws: MirrorError.self) { try mirror.apply([entries[1]], keyring: keyring) }
        #expect(try mirror.cursor() == 0)
        #expect(try mirror.apply(entries, keyring: keyring) == 2)
        #expect(try mirror.apply(entries, keyring: keyring) == 0)
        #expect(try PublishedMirror(path: path).cursor() == 2)
        #expect(try mirror.currentSet(on: Fixtures.date("2026-05-05")) == [launch.id: 1])
        #expect(try mirror.currentSet(on: Fixtures.date("2026-05-06")).isEmpty)
    }

    @Test func aConsumerCoversItsJurisdictions() {
        let all = PublicationConsumerRecord(name: "a", url: "http://127.0.0.1/", secret: "s", divisions: [])
        let city = PublicationConsumerRecord(name: "b", url: "http://127.0.0.1/", secret: "s", divisions: ["220100"])
        let dehui = PublicationConsumerRecord(name: "c", url: "http://127.0.0.1/", secret: "s", divisions: ["220183"])
        #expect(all.covers("220182"))
        #expect(city.covers("220100") && city.covers("220183") && !city.covers("220200"))
        #expect(dehui.covers("220183") && !dehui.covers("220182") && !dehui.covers("220100"))
    }
}
