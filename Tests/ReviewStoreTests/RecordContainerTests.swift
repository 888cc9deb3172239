import Foundation
import GRDB
import ReviewProtocol
import ReviewRules
@testable import ReviewStore
import Testing

/// The hand-written column encodings (RecordContainers.swift) write exactly what each record's
/// synthesized `Encodable` conformance writes through GRDB: the same columns, the same values.
/// Every optional is set, so that a property added without its column differs here.
@Suite struct RecordContainerTests {
    /// The same record, encoded through `Encodable` (GRDB's default container encoding).
    struct ViaEncodable<Record: Encodable & TableRecord>: Encodable, EncodableRecord {
        let record: Record
        func encode(to encoder: any Encoder) throws { try record.encode(to: encoder) }
    }

    func expectSameColumns<Record: EncodableRecord & Encodable & TableRecord>(_ record: Record) throws {
        let written = try record.databaseDictionary
        let viaEncodable = try ViaEncodable(record: record).databaseDictionary
        #expect(Set(written.keys) == Set(viaEncodable.keys), "\(Record.self): columns differ")
        for (column, value) in viaEncodable {
            #expect(written[column] == value, "\(Record.self).\(column): \(String(describing: written[column])) ≠ \(value)")
        }
        // Every stored property has its column.
        #expect(written.count == Mirror(reflecting: record).children.count, "\(Record.self): a property has no column")
    }

    let date = Date(timeIntervalSince1970: 1_772_400_000.123)
    let day = CivilDate(year: 2026, month: 3, day: 2)!

    /// A case with every optional set (`createdAt` at `time`), and one with every optional empty.
    func cases(at time: Date) -> (full: CaseRecord, empty: CaseRecord) {
        var full = CaseRecord(
            id: "220183-2026-0007", kind: .adjustment, level: .county, state: .preliminaryReview, title: "惠企政策", documentNumber: "德政发〔2026〕1号",
            draftingUnit: "德惠市财政局", divisionCode: "220183", originNode: "220183", submittedBy: 42, submittedOn: day, acceptedOn: day,
            clockStops: [.init(stopped: day, resumed: day), .init(stopped: day, resumed: nil)], clockLimit: 10, dueOn: day, effectiveDate: day,
            lateApplication: true, currentRevision: 3, materialsDueOn: day, preliminaryConclusion: "通过", opinionIssuedOn: day, revisionDueOn: day,
            revisedOn: day, disagreement: "不同意", coordination: "协调", launchDate: day, launchConfirmedOn: day, createdAt: time, updatedAt: time)
        full.originalCaseId = "220183-2025-0001"
        full.forwardedOn = day
        full.cityCaseNumber = "220100-2026-0003"
        full.cityReceivedOn = day
        full.countyWorkdays = 4
        full.cityWorkdays = 6
        let empty = CaseRecord(id: "220183-2026-0008", kind: .launch, level: .city, state: .submitted, title: "t", documentNumber: nil,
                               draftingUnit: "u", divisionCode: "220183", originNode: "220183", submittedOn: day, effectiveDate: nil,
                               lateApplication: false, now: time)
        return (full, empty)
    }

    @Test func aCaseWithEveryFieldSet() throws {
        let (full, empty) = cases(at: date)
        try expectSameColumns(full)
        // And with every optional empty.
        try expectSameColumns(empty)
    }

    /// The same record, decoded through `Decodable` (GRDB's default row decoding).
    struct ViaDecodable<Record: Decodable>: Decodable, FetchableRecord {
        let record: Record
        init(from decoder: any Decoder) throws { record = try Record(from: decoder) }
    }

    /// The hand-written row decodings read back what was written, as `Decodable` does.
    @Test func aLedgerPagesRecordsReadBackAsWritten() throws {
        let store = try NodeStore(writer: DatabaseQueue())
        // Whole milliseconds: what the store keeps of a date.
        let milliseconds = Date(timeIntervalSince1970: 1_772_400_000.125)
        let written = cases(at: milliseconds)
        var full = written.full
        full.submittedBy = nil  // no user row to reference
        let empty = written.empty
        let materials = [CaseMaterialRecord(caseId: full.id, kind: .elementTable, title: "表", fileName: "a.pdf", sha256: "ab", bytes: 3, addedOn: day),
                         CaseMaterialRecord(caseId: empty.id, kind: .applicationLetter, title: nil, fileName: nil, sha256: "ab", bytes: 3, addedOn: day)]
        try store.database.write { db in
            try full.insert(db)
            try empty.insert(db)
            try MaterialBlobRecord(sha256: "ab", bytes: 3, content: Data([1, 2, 3]), uploadedBy: nil, createdAt: milliseconds).insert(db)
            for material in materials { try material.insert(db) }
        }
        let read = try store.database.read { db throws -> (hand: [CaseRecord?], viaDecodable: [CaseRecord?], materials: [[CaseMaterialRecord]]) in
            (try [full, empty].map { try CaseRecord.fetchOne(db, key: $0.id) },
             try [full, empty].map { try ViaDecodable<CaseRecord>.fetchOne(db, sql: "SELECT * FROM reviewCase WHERE id = ?", arguments: [$0.id])?.record },
             [try CaseMaterialRecord.order(Column("caseId")).fetchAll(db),
              try ViaDecodable<CaseMaterialRecord>.fetchAll(db, sql: "SELECT * FROM caseMaterial ORDER BY caseId").map(\.record)])
        }
        #expect(read.hand == [full, empty])
        #expect(read.viaDecodable == [full, empty])
        #expect(read.materials == [materials, materials])
        // A value the record cannot hold is a corrupt row naming its column, not a trap.
        try store.database.write { db in try db.execute(sql: "UPDATE reviewCase SET dueOn = 'x' WHERE id = ?", arguments: [empty.id]) }
        #expect(throws: StoreError(.corrupt, "reviewCase.dueOn 'x' is not a date")) {
            try store.database.read { db in try CaseRecord.fetchOne(db, key: empty.id) }
        }
    }

    @Test func theRecordsOfAReceivedMessage() throws {
        try expectSameColumns(RevisionRecord(caseId: "c", revision: 2, form: Data("{}".utf8), createdOn: day, createdBy: 7))
        try expectSameColumns(MaterialBlobRecord(sha256: "ab", bytes: 3, content: Data([1, 2, 3]), uploadedBy: 9, createdAt: date))
        try expectSameColumns(CaseMaterialRecord(caseId: "c", kind: .elementTable, title: "表", fileName: "a.pdf", sha256: "ab", bytes: 3, addedOn: day))
        var inbox = InboxRecord(id: "m", sender: "220183", receivedAt: date, result: Data("{}".utf8), caseId: "c", sequence: 4,
                                type: .caseForwarded, chainHead: "h")
        inbox.frame = Data([9])
        inbox.signature = Data([8])
        try expectSameColumns(inbox)
        try expectSameColumns(EventRecord(seq: 5, caseId: "c", actor: "system", action: "a", at: "2026-03-02T00:00:00Z", payloadDigest: "d",
                                          payload: "{}", previousHash: "p", hash: "h"))
    }
}
