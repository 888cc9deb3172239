import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// Keyset pages of the API's case list and ledger, put together, are the whole list with the
/// same filters; the streamed CSV export is byte for byte the one built in memory.
@Suite struct KeysetPagingTests {
    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]) ?? [:]
    }

    @Test func pagesTogetherAreTheWholeListAndTheCSVStreamsTheSameBytes() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("keyset-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let configuration = NodeConfiguration(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county,
                                              dataDirectory: data, configDirectory: Fixtures.configDirectory)
        let today = Fixtures.date("2026-06-15")
        let services = try NodeApplication.makeServices(configuration: configuration, today: .fixed(today), logger: Logger(label: "test"))
        let calendar = services.calendar
        var records: [CaseRecord] = []
        for n in 0..<1203 {
            let submitted = CivilDate(year: 2026, month: 1 + n % 6, day: 1 + (n * 7) % 28)!
            // Every third running (overdue or not by its date), the rest decided.
            let running = n % 3 == 0
            var record = CaseRecord(
                id: "220183-2026-\(String(format: "%04d", (n * 37) % 1203))", kind: .launch, level: .county, state: running ? .preliminaryReview : .opinionPassed,
                title: "政策\(n)", documentNumber: nil, draftingUnit: "德惠市科学技术局", divisionCode: "220183", originNode: "220183", submittedBy: nil,
                submittedOn: submitted, acceptedOn: submitted, clockStops: [], clockLimit: 10, dueOn: nil, effectiveDate: nil,
                lateApplication: false, currentRevision: 1, materialsDueOn: nil, preliminaryConclusion: nil,
                opinionIssuedOn: running ? nil : try calendar.addWorkdays(submitted, 5), revisionDueOn: nil, revisedOn: nil,
                disagreement: nil, coordination: nil, launchDate: nil, launchConfirmedOn: nil, createdAt: Date(), updatedAt: Date())
            record.dueOn = CaseWorkflow.due(of: record, calendar)
            records.append(record)
        }
        let seeded = records
        let token = try await services.store.write { db in
            for record in seeded { try record.insert(db) }
            return try NodeStore.createUser(db, name: "审查员", role: .countyReviewer, unit: nil, isCityNode: false).1
        }
        let overdueIds = seeded.filter { CaseSummary($0, calendar: calendar, today: today).overdue }.map(\.id).sorted()
        #expect(!overdueIds.isEmpty && overdueIds.count < seeded.count)
        let allEntries = LedgerEntry.entries(try await services.store.ledger(CaseFilter()).rows)

        let app = try NodeApplication.build(configuration: configuration, today: .fixed(today), logger: Logger(label: "test"))
        try await app.test(.router) { client in
            func get(_ uri: String) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok, "\(uri)")
                    return Self.json(response.body)
                }
            }
            // The case list, with and without a derived filter; no cursor is the first page.
            for (query, expected) in [("", seeded.map(\.id).sorted()), ("&overdue=true", overdueIds)] {
                var ids: [String] = []
                var after: String?
                var requests = 0
                repeat {
                    let page = try await get("/api/v1/cases?limit=50" + query + (after.map { "&after=\($0)" } ?? ""))
                    ids += (page["cases"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    after = page["next"] as? String
                    requests += 1
                } while after != nil && requests < 200
                #expect(ids == expected, "pages of \(query)")
            }
            let first = try await get("/api/v1/cases")
            #expect((first["cases"] as? [Any])?.count == 200)
            #expect(first["next"] as? String != nil)

            // The ledger: keyset pages equal the whole ledger in its order; total only on the first.
            var entries: [String] = []
            var after: String?
            repeat {
                let page = try await get("/api/v1/ledger?limit=100" + (after.map { "&after=\($0)" } ?? ""))
                #expect((page["total"] as? Int).map { $0 == seeded.count } ?? (after != nil))
                entries += (page["entries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                after = page["next"] as? String
            } while after != nil && entries.count <= seeded.count
            #expect(entries == allEntries.map(\.id))
            try await client.execute(uri: "/api/v1/ledger?after=yesterday", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .unprocessableContent)
            }

            // The CSV streams in chunks of 500: the same bytes as the whole file built at once.
            try await client.execute(uri: "/api/v1/ledger.csv", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView) == LedgerEntry.csv(allEntries))
            }
        }
    }
}
