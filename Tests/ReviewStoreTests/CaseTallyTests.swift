import Foundation
import GRDB
import ReviewProtocol
import ReviewRules
@testable import ReviewStore
import Testing

/// v16-case-tally: the ledger's totals come from counts the triggers keep in each transaction;
/// they equal a real count after inserts, deletes and a change of submission year, and the
/// migration counts the cases already there.
@Suite struct CaseTallyTests {
    func insertCase(_ db: Database, id: String, submittedOn: String) throws {
        try db.execute(sql: """
            INSERT INTO reviewCase (id, kind, level, state, title, draftingUnit, divisionCode, originNode, submittedOn,
                clockStops, clockLimit, lateApplication, currentRevision, createdAt, updatedAt)
            VALUES (?, 'launch', 'county', 'submitted', 't', '德惠市财政局', '220183', '220183', ?, '[]', 10, 0, 1, ?, ?)
            """, arguments: [id, submittedOn, Date(), Date()])
    }

    func counted(_ db: Database, _ filter: CaseFilter) throws -> Int {
        try CaseRecord.all().filtered(by: filter).fetchCount(db)
    }

    @Test func theTallyFollowsEveryChangeAndCountsEarlierCases() throws {
        let queue = try DatabaseQueue()
        try NodeStore.migrator.migrate(queue, upTo: "v15-outbox-blob-refs")
        try queue.write { db in
            try insertCase(db, id: "a", submittedOn: "2024-03-01")
            try insertCase(db, id: "b", submittedOn: "2025-03-01")
        }
        let store = try NodeStore(writer: queue)
        try store.database.write { db in
            for filter in [CaseFilter(), CaseFilter(year: 2024), CaseFilter(year: 2025), CaseFilter(year: 2026)] {
                #expect(try NodeStore.caseCount(db, filter) == counted(db, filter))
            }
            for n in 0..<5 { try insertCase(db, id: "c\(n)", submittedOn: "2026-0\(n + 1)-02") }
            try db.execute(sql: "DELETE FROM reviewCase WHERE id = 'a'")
            try db.execute(sql: "UPDATE reviewCase SET submittedOn = '2026-12-31' WHERE id = 'b'")
            try db.execute(sql: "UPDATE reviewCase SET submittedOn = '2026-12-30', state = 'accepted' WHERE id = 'c0'")
            for filter in [CaseFilter(), CaseFilter(year: 2024), CaseFilter(year: 2025), CaseFilter(year: 2026)] {
                #expect(try NodeStore.caseCount(db, filter) == counted(db, filter), "\(filter)")
            }
            #expect(try NodeStore.caseCount(db, CaseFilter(year: 2026)) == 6)
            // A filter the tally does not keep is counted.
            #expect(try NodeStore.caseCount(db, CaseFilter(state: .accepted)) == 1)
        }
    }
}
