import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// Art 15 figures from seeded city records, computed here a second way and compared with
/// the console's CSV export.
@Suite struct SupervisionTests {
    /// One seeded case, as plain numbers.
    struct Seed {
        var id: String
        var origin: String
        var received: CivilDate
        var opinion: (on: CivilDate, passed: Bool, county: Int, city: Int)?
        var stops: Int
        var late: Bool
        /// Open cases only: accepted long ago (past the deadline on `today`) or just now.
        var openPastDeadline: Bool
        var elements: [Element]
    }

    static let today = Fixtures.date("2026-06-01")
    static let origins = [("220182", "榆树市政务服务和数字化建设管理局"), ("220183", "德惠市政务服务和数字化建设管理局"), ("220100", "长春市政务服务和数字化建设管理局(市本级)")]

    /// 60 cases over three origins, from a fixed linear congruential sequence.
    static func seeds() -> [Seed] {
        var state: UInt64 = 20261129
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<60).map { index in
            let origin = origins[next(3)].0
            let received = CivilDate(year: 2026, month: 1 + next(5), day: 1 + next(28))!
            let decided = next(4) != 0
            let stops = next(3)
            let elements = (0..<next(5)).map { (_: Int) in Element.allCases[next(12)] }
            let opinion = decided ? (on: CivilDate(year: 2026, month: min(received.month + 1, 5), day: 1 + next(28))!, passed: next(3) != 0,
                                     county: origin == "220100" ? 0 : next(6), city: 1 + next(9)) : nil
            return Seed(id: "\(origin)-2026-\(String(format: "%04d", index))", origin: origin, received: received, opinion: opinion,
                        stops: stops, late: next(7) == 0, openPastDeadline: !decided && next(2) == 0, elements: elements)
        }
    }

    func seed(_ store: NodeStore, _ seeds: [Seed]) async throws {
        try await store.write { db in
            for (nodeId, name) in Self.origins where nodeId != "220100" {
                try LinkRecord(card: LinkCard(nodeId: nodeId, name: name, divisionCode: nodeId, tier: .county, baseURL: "http://127.0.0.1:9",
                                              publicKey: Data(repeating: 1, count: 32).base64EncodedString())).insert(db)
            }
            for (number, seed) in seeds.enumerated() {
                let accepted = seed.opinion == nil && !seed.openPastDeadline ? Fixtures.date("2026-05-29") : seed.received
                let stops = (0..<seed.stops).map { _ in ReviewClock.Stop(stopped: accepted, resumed: accepted) }
                var record = CaseRecord(
                    id: seed.id, kind: seed.late ? .adjustment : .launch, level: seed.origin == "220100" ? .city : .county,
                    state: seed.opinion == nil ? .finalReview : (seed.opinion!.passed ? .opinionPassed : .opinionNotPassed),
                    title: "政策\(number)", documentNumber: nil, draftingUnit: "单位", divisionCode: seed.origin, originNode: seed.origin,
                    submittedBy: nil, submittedOn: seed.received, acceptedOn: accepted, clockStops: stops, clockLimit: 10, dueOn: nil,
                    effectiveDate: nil, lateApplication: seed.late, currentRevision: 1, materialsDueOn: nil, preliminaryConclusion: nil,
                    opinionIssuedOn: seed.opinion?.on, revisionDueOn: nil, revisedOn: nil, disagreement: nil, coordination: nil,
                    launchDate: nil, launchConfirmedOn: nil, createdAt: Date(), updatedAt: Date())
                if seed.origin != "220100" { record.forwardedOn = seed.received }
                record.countyWorkdays = seed.opinion?.county
                record.cityWorkdays = seed.opinion?.city
                try record.insert(db)
                if let opinion = seed.opinion {
                    try OpinionRecord(caseId: seed.id, number: "长政数标审〔2026〕\(number + 1)号", year: 2026, sequence: number + 1,
                                      outcome: opinion.passed ? .passed : .notPassed, body: Data("{}".utf8), issuedOn: opinion.on).insert(db)
                }
                if !seed.elements.isEmpty {
                    let findings = seed.elements.map { Finding(code: .wordingNonstandard, itemIndex: 0, element: $0, path: "serviceItems[0].\($0.rawValue)", message: "措辞") }
                    let notice = SupplementNotice(issuedBy: .city, round: 1, findings: findings, issuedOn: seed.received, supplyBy: nil)
                    var row = NoticeRecord(id: nil, caseId: seed.id, type: .supplement, round: 1, issuedBy: .city, issuedOn: seed.received,
                                           supplyBy: nil, revision: 1, body: try JSONEncoder().encode(notice), answeredOn: nil)
                    try row.insert(db)
                }
            }
        }
    }

    /// The expected CSV lines, computed from the seeds without the production code.
    static func expectedLines(_ seeds: [Seed], from: CivilDate, to: CivilDate) -> [String] {
        let inPeriod = seeds.filter { $0.received >= from && $0.received <= to }
        func line(_ name: String, _ origin: String, _ cases: [Seed]) -> String {
            let decided = cases.filter { $0.opinion != nil }
            let totals = decided.map { $0.opinion!.county + $0.opinion!.city }.sorted()
            func median(_ values: [Int]) -> String {
                guard !values.isEmpty else { return "—" }
                let sorted = values.sorted()
                let value = sorted.count.isMultiple(of: 2) ? Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2 : Double(sorted[sorted.count / 2])
                return String(format: "%.1f", value)
            }
            // Nearest rank: the smallest value with at least 90 % of the values at or below it.
            let p90 = totals.first { value in totals.filter { $0 <= value }.count * 10 >= totals.count * 9 }
            let firstPass = decided.filter { $0.opinion!.passed && $0.stops == 0 }.count
            let overdue = cases.filter { seed in seed.opinion.map { $0.county + $0.city > 10 } ?? seed.openPastDeadline }.count
            let rounds = cases.map(\.stops).reduce(0, +)
            return [name, origin, "\(cases.count)", "\(decided.count)", "\(firstPass)",
                    decided.isEmpty ? "—" : String(format: "%.1f%%", Double(firstPass) * 100 / Double(decided.count)),
                    median(totals), p90.map(String.init) ?? "—", median(decided.map { $0.opinion!.county }), median(decided.map { $0.opinion!.city }),
                    "\(overdue)", "\(rounds)", cases.isEmpty ? "—" : String(format: "%.2f", Double(rounds) / Double(cases.count)),
                    "\(cases.filter(\.late).count)", "0"].joined(separator: ",")
        }
        var lines = origins.map { origin in line(origin.1, origin.0, inPeriod.filter { $0.origin == origin.0 }) }
        lines.append(line("合计", "", inPeriod))
        var counts: [Element: Int] = [:]
        for element in inPeriod.flatMap(\.elements) { counts[element, default: 0] += 1 }
        let ranked = Element.allCases.filter { counts[$0] != nil }.enumerated()
            .sorted { a, b in counts[a.element]! != counts[b.element]! ? counts[a.element]! > counts[b.element]! : a.offset < b.offset }
        lines += ranked.prefix(10).map { "\($0.element.chineseName),\(counts[$0.element]!)" }
        return lines
    }

    @Test func theExportMatchesAnIndependentCount() async throws {
        let node = try InProcessNode(nodeId: "220100", name: "长春市政务服务和数字化建设管理局", tier: .city, prefix: "supervision")
        defer { node.cleanUp() }
        let store = node.store
        let seeds = Self.seeds()
        try await seed(store, seeds)
        let (_, token) = try await store.write { db in try NodeStore.createUser(db, name: "监督员", role: .supervisor, unit: nil, isCityNode: true) }
        #expect(Set(seeds.map(\.origin)).count == 3 && seeds.contains { $0.openPastDeadline } && seeds.contains { !$0.elements.isEmpty })

        let app = try node.application(today: Self.today)
        try await app.test(.router) { client in
            let cookie = try await InProcessNode.signIn(client, token: token)
            for (from, to) in [("2026-01-01", "2026-06-01"), ("2026-02-01", "2026-03-31")] {
                let csv = try await client.execute(uri: "/console/supervision.csv?from=\(from)&to=\(to)", method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == .ok)
                    return String(decoding: Data(response.body.readableBytesView).dropFirst(3), as: UTF8.self)
                }
                let lines = csv.components(separatedBy: "\r\n")
                let expected = Self.expectedLines(seeds, from: Fixtures.date(from), to: Fixtures.date(to))
                // Rows per unit and the total, then the ranked elements.
                #expect(Array(lines[2..<6]) == Array(expected[0..<4]), "\(from)…\(to)")
                let elements = Array(lines.drop { $0 != "问题最多的要素,次数" }.dropFirst().prefix { !$0.isEmpty })
                #expect(elements == Array(expected[4...]), "\(from)…\(to)")
            }
            let page = try await client.execute(uri: "/console/supervision?from=2026-01-01&to=2026-06-01", method: .get, headers: [.cookie: cookie]) { response in
                String(buffer: response.body)
            }
            #expect(page.contains("监督统计(第十五条)") && page.contains("<svg") && page.contains("<polyline"))
            #expect(page.contains(">\(seeds.filter { $0.received <= Self.today }.count)</td>"))
        }
    }
}
