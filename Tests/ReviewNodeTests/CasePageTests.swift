import Foundation
import GRDB
import Logging
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// The console's inbox pages by keyset in SQL; its pages, put together, must be the full sort.
@Suite struct CasePageTests {
    @Test func pagesTogetherAreTheWholeSortedList() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("casepage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let configuration = NodeConfiguration(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county,
                                              dataDirectory: data, configDirectory: Fixtures.configDirectory)
        let services = try NodeApplication.makeServices(configuration: configuration, today: .fixed(Fixtures.date("2026-06-15")), logger: Logger(label: "test"))
        let calendar = services.calendar
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let units = ["德惠市科学技术局", "德惠市财政局"]
        var records: [CaseRecord] = []
        do {
            for n in 0..<260 {
                let submitted = CivilDate(year: 2026, month: 1 + next(6), day: 1 + next(28))!
                let kind = next(5)
                // 0: not accepted; 1: running; 2: stopped; 3: stopped after its deadline passed; 4: decided
                let accepted = kind == 0 ? nil : submitted
                var stops: [ReviewClock.Stop] = []
                if kind == 2 { stops = [ReviewClock.Stop(stopped: try calendar.addWorkdays(submitted, 1 + next(8)), resumed: nil)] }
                if kind == 3 { stops = [ReviewClock.Stop(stopped: try calendar.addWorkdays(submitted, 12 + next(5)), resumed: nil)] }
                let states: [CaseState] = [.submitted, .preliminaryReview, .supplementRequested, .supplementRequested, .opinionPassed]
                var record = CaseRecord(
                    id: "220183-2026-\(String(format: "%04d", n))", kind: .launch, level: .county, state: states[kind], title: "政策\(n)",
                    documentNumber: nil, draftingUnit: units[next(2)], divisionCode: "220183", originNode: "220183", submittedBy: nil,
                    submittedOn: submitted, acceptedOn: accepted, clockStops: stops, clockLimit: 10, dueOn: nil, effectiveDate: nil,
                    lateApplication: false, currentRevision: 1, materialsDueOn: nil, preliminaryConclusion: nil,
                    opinionIssuedOn: kind == 4 ? try calendar.addWorkdays(submitted, 8) : nil, revisionDueOn: nil, revisedOn: nil,
                    disagreement: nil, coordination: nil, launchDate: nil, launchConfirmedOn: nil, createdAt: Date(), updatedAt: Date())
                // The due date as the workflow stores it.
                record.dueOn = CaseWorkflow.due(of: record, calendar)
                records.append(record)
            }
        }
        let seeded = records
        let (reviewer, drafter) = try await services.store.write { db in
            for record in seeded { try record.insert(db) }
            return (try NodeStore.createUser(db, name: "审查员", role: .countyReviewer, unit: nil, isCityNode: false).0,
                    try NodeStore.createUser(db, name: "起草员", role: .drafter, unit: units[0], isCityNode: false).0)
        }
        let reads = CaseReads(services: services)
        let waiting = CaseState.allCases.filter { ConsoleView.waitsOn(.countyReviewer, $0) }
        for (user, states) in [(reviewer, nil), (reviewer, waiting), (drafter, nil)] as [(UserRecord, [CaseState]?)] {
            let whole = try await reads.all(for: user, CaseFilter(), states: states).map(\.id)
            #expect(whole.count > 50)
            for size in [1, 7, 100] {
                var paged: [String] = []
                var after: CaseReads.InboxCursor?
                var pages = 0
                repeat {
                    let (page, next) = try await reads.inbox(for: user, CaseFilter(), states: states, after: after, limit: size)
                    #expect(page.count <= size)
                    #expect(next == nil || page.count == size, "only the last page is short")
                    paged += page.map(\.id)
                    // The cursor survives its text form (the 下一页 link).
                    after = try next.map { try #require(CaseReads.InboxCursor($0.text)) }
                    pages += 1
                } while after != nil && pages <= whole.count + 1
                #expect(paged == whole, "\(user.role) \(states == nil ? "all" : "waiting") pages of \(size)")
            }
        }
    }

    @Test func cursorsNotWrittenByTheNodeAreRefused() {
        for text in ["", "t:", "t:3", "t::x", "c:", "x:1:y", "t:abc:y", String(repeating: "c", count: 200)] {
            #expect(CaseReads.InboxCursor(text) == nil, "\(text)")
        }
        #expect(CaseReads.InboxCursor("t:-3:220183-2026-0001") == CaseReads.InboxCursor(remaining: -3, id: "220183-2026-0001"))
        #expect(CaseReads.InboxCursor("c:220183-2026-0001")?.remaining == nil)
    }
}
