import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
@testable import ReviewStore
import ReviewTesting
import Testing

/// The console inbox and ledger page by keyset through their 下一页 links, and the case page's action
/// forms come from one enum.
@Suite struct ConsoleInboxTests {
    @Test func nextLinksWalkEveryCaseOnceWithoutACount() async throws {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "inbox")
        defer { node.cleanUp() }
        let today = Fixtures.date("2026-06-15")
        let total = ConsoleRoutes.inboxPageSize * 2 + 37
        let token = try await node.store.write { db in
            for n in 0..<total {
                // Every third case accepted (a running clock), the others not yet.
                let submitted = CivilDate(year: 2026, month: 6, day: 1 + n % 10)!
                let record = CaseRecord(
                    id: "220183-2026-\(String(format: "%04d", n))", kind: .launch, level: .county, state: n % 3 == 0 ? .preliminaryReview : .submitted,
                    title: "政策\(n)", documentNumber: nil, draftingUnit: "德惠市科学技术局", divisionCode: "220183", originNode: "220183",
                    submittedBy: nil, submittedOn: submitted, acceptedOn: n % 3 == 0 ? submitted : nil, clockStops: [], clockLimit: 10,
                    dueOn: nil, effectiveDate: nil, lateApplication: false, currentRevision: 1, materialsDueOn: nil, preliminaryConclusion: nil,
                    opinionIssuedOn: nil, revisionDueOn: nil, revisedOn: nil, disagreement: nil, coordination: nil, launchDate: nil,
                    launchConfirmedOn: nil, createdAt: Date(), updatedAt: Date())
                try NodeStore.insert(db, case: record)
            }
            return try NodeStore.createUser(db, name: "审查员", role: .countyReviewer, unit: nil, isCityNode: false).1
        }
        let app = try node.application(today: today)
        try await app.test(.router) { client in
            let cookie = try await InProcessNode.signIn(client, token: token)
            var next: String? = "/console?scope=all"
            var seen: [String] = []
            var pages = 0
            while let uri = next, pages < 10 {
                let html = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == .ok)
                    return String(buffer: response.body)
                }
                pages += 1
                #expect(html.contains("第 \(pages) 页"))
                #expect(!html.contains("共 "), "no count of the whole list")
                #expect(html.contains("id=\"first-page\"") == (pages > 1))
                seen += Self.matches(of: #"href="/console/cases/([0-9-]+)""#, in: html)
                next = Self.matches(of: #"href="([^"]+)" id="next-page""#, in: html).last?.replacingOccurrences(of: "&amp;", with: "&")
            }
            #expect(pages == 3)
            #expect(seen.count == total)
            #expect(Set(seen).count == total, "every case exactly once")
            // The ledger page the same way, 50 a page in submission order; only an offset page counts.
            next = "/console/ledger"
            var ledger: [String] = []
            pages = 0
            while let uri = next, pages < 10 {
                let html = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
                pages += 1
                #expect(html.contains("共 \(total) 件") == (pages == 1))
                ledger += Self.matches(of: #"href="/console/cases/([0-9-]+)""#, in: html)
                next = Self.matches(of: #"href="([^"]+)" id="next-page""#, in: html).last?.replacingOccurrences(of: "&amp;", with: "&")
            }
            #expect(pages == (total + 49) / 50)
            #expect(ledger.count == total && Set(ledger).count == total)
            // A cursor the node did not write is a Chinese error page, not a crash or a wrong page.
            try await client.execute(uri: "/console?scope=all&after=t:x:y", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .unprocessableContent)
                let page = String(buffer: response.body)
                #expect(page.contains("翻页位置无效"))
                // The paging position is not something the clerk typed: no code name on the page.
                #expect(!page.contains("“after”"))
            }
            try await client.execute(uri: "/console/ledger?after=abc", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .unprocessableContent)
                #expect(!String(buffer: response.body).contains("“after”"))
            }
        }
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            match.numberOfRanges > 1 ? Range(match.range(at: 1), in: text).map { String(text[$0]) } : nil
        }
    }

    /// Every action has its form in the template, under its flag, posting to its path; the
    /// offered actions follow the role and the state machine.
    @Test func everyActionHasItsFormAndItsRule() throws {
        let template = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Sources/ReviewNode/Console/Templates/case.mustache"), encoding: .utf8)
        for action in ConsoleAction.allCases {
            #expect(template.contains("/actions/\(action.rawValue)\""), "\(action) posts to its path")
            if action != .expertSession {
                #expect(template.contains("{{#actions.\(action.flag)}}"), "\(action)'s form shows under its flag")
            }
            #expect(!action.notice(for: .launch).isEmpty && !action.notice(for: .launch).contains { $0.isASCII && $0.isLetter })
        }
        func summary(_ state: CaseState, kind: CaseKind = .launch) -> CaseSummary {
            let record = CaseRecord(
                id: "220183-2026-0001", kind: kind, level: .county, state: state, title: "政策", documentNumber: nil, draftingUnit: "德惠市科学技术局",
                divisionCode: "220183", originNode: "220183", submittedBy: nil, submittedOn: Fixtures.date("2026-06-01"), acceptedOn: nil, clockStops: [],
                clockLimit: 10, dueOn: nil, effectiveDate: nil, lateApplication: false, currentRevision: 1, materialsDueOn: nil, preliminaryConclusion: nil,
                opinionIssuedOn: nil, revisionDueOn: nil, revisedOn: nil, disagreement: nil, coordination: nil, launchDate: nil, launchConfirmedOn: nil,
                createdAt: Date(), updatedAt: Date())
            return CaseSummary(record, calendar: try! WorkCalendar.load(from: Fixtures.configDirectory.appendingPathComponent("calendar")),
                               today: Fixtures.date("2026-06-15"))
        }
        func user(_ role: Role) -> UserRecord {
            UserRecord(id: 1, name: "用户", role: role, unit: role == .drafter ? "德惠市科学技术局" : nil, tokenHash: "", createdAt: Date(), disabled: false)
        }
        let reviewer = ConsoleAction.offered(to: user(.countyReviewer), summary(.submitted), tier: .county)
        #expect(reviewer.contains(.accept))
        #expect(!reviewer.contains(.opinion), "the county issues no opinion")
        #expect(ConsoleAction.offered(to: user(.drafter), summary(.submitted), tier: .county).allSatisfy { $0.rule.roles.contains(.drafter) })
        #expect(ConsoleAction.offered(to: user(.drafter), summary(.revising), tier: .county).contains(.revise), "revising continues with revisions")
        #expect(ConsoleAction.offered(to: user(.supervisor), summary(.submitted), tier: .county).isEmpty)
        #expect(ConsoleAction.launch.notice(for: .withdrawal) == "下线信息已确认。")
    }
}
