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

    @Test func aCaseWithEveryFieldSet() throws {
        var record = CaseRecord(
            id: "220183-2026-0007", kind: .adjustment, level: .county, state: .preliminaryReview, title: "惠企政策", documentNumber: "德政发〔2026〕1号",
            draftingUnit: "德惠市财政局", divisionCode: "220183", originNode: "220183", submittedBy: 42, submittedOn: day, acceptedOn: day,
            clockStops: [.init(stopped: day, resumed: day), .init(stopped: day, resumed: nil)], clockLimit: 10, dueOn: day, effectiveDate: day,
            lateApplication: true, currentRevision: 3, materialsDueOn: day, preliminaryConclusion: "通过", opinionIssuedOn: day, revisionDueOn: day,
            revisedOn: day, disagreement: "不同意", coordination: "协调", launchDate: day, launchConfirmedOn: day, createdAt: date, updatedAt: date)
        record.originalCaseId = "220183-2025-0001"
        record.forwardedOn = day
        record.cityCaseNumber = "220100-2026-0003"
        record.cityReceivedOn = day
        record.countyWorkdays = 4
        record.cityWorkdays = 6
        try expectSameColumns(record)
        // And with every optional empty.
        try expectSameColumns(CaseRecord(id: "220183-2026-0008", kind: .launch, level: .city, state: .submitted, title: "t", documentNumber: nil,
                                          draftingUnit: "u", divisionCode: "220183", originNode: "220183", submittedOn: day, effectiveDate: nil,
                                          lateApplication: false, now: date))
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
