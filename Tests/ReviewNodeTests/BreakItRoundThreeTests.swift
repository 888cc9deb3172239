import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
@testable import ReviewStore
import ReviewTesting
import Testing

/// The third tester's findings: empty and repeated query parameters read as defaults or as
/// whichever came first, console filter messages naming the API's codes, and amounts printed in
/// scientific notation.
@Suite struct BreakItRoundThreeTests {
    typealias Two = BreakItRoundTwoTests

    // MARK: 1. Empty and repeated parameters

    /// The API refuses an empty or repeated paging or filter parameter with 422 naming it,
    /// where it used to answer 200 with the default or the first value.
    @Test func theAPIRefusesEmptyAndRepeatedParameters() async throws {
        try await Two.withConsole { client, cookie, token, node in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let refused: [(String, String, String)] = [
                ("/api/v1/ledger", "limit=", "limit"), ("/api/v1/ledger", "offset=", "offset"), ("/api/v1/ledger", "after=", "after"),
                ("/api/v1/ledger", "year=", "year"), ("/api/v1/ledger", "state=", "state"), ("/api/v1/ledger", "kind=", "kind"),
                ("/api/v1/ledger", "unit=", "unit"), ("/api/v1/ledger", "offset", "offset"),
                ("/api/v1/ledger", "limit=1&limit=2", "limit"), ("/api/v1/ledger", "offset=0&offset=1", "offset"),
                ("/api/v1/ledger.csv", "kind=", "kind"), ("/api/v1/ledger.csv", "year=2026&year=2027", "year"),
                ("/api/v1/cases", "limit=", "limit"), ("/api/v1/cases", "after=", "after"), ("/api/v1/cases", "state=", "state"),
                ("/api/v1/cases", "kind=", "kind"), ("/api/v1/cases", "year=", "year"), ("/api/v1/cases", "unit=", "unit"),
                ("/api/v1/cases", "limit=1&limit=2", "limit"), ("/api/v1/cases", "state=submitted&state=bogus", "state"),
                ("/api/v1/cases", "state=submitted&state=submitted", "state"), ("/api/v1/cases", "kind=launch&kind=launch", "kind"),
                ("/api/v1/cases", "overdue=", "overdue"), ("/api/v1/cases", "overdue=true&overdue=false", "overdue"),
                ("/api/v1/cases", "revisionOverdue=", "revisionOverdue"),
            ]
            for (path, query, field) in refused {
                try await client.execute(uri: "\(path)?\(query)", method: .get, headers: bearer) { response in
                    #expect(response.status == .unprocessableContent, "\(path)?\(query)")
                    #expect(Two.errorField(response.body) == field, "\(path)?\(query)")
                }
            }
            // One of each still answers.
            try await client.execute(uri: "/api/v1/cases?limit=1", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
                #expect((Two.json(response.body)["cases"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/api/v1/cases?state=submitted&kind=launch&year=2026", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
                #expect((Two.json(response.body)["cases"] as? [Any])?.count == 3)
            }
            try await client.execute(uri: "/api/v1/ledger?offset=0&limit=2", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
                #expect((Two.json(response.body)["entries"] as? [Any])?.count == 2)
            }
        }
    }

    /// The publication feed's `after` and `limit`: empty or repeated is 422 naming it.
    @Test func theFeedRefusesEmptyAndRepeatedParameters() async throws {
        let node = try InProcessNode(nodeId: "220100", name: "长春市政务服务和数字化建设管理局", tier: .city, prefix: "breakit3")
        defer { node.cleanUp() }
        let token = try await node.store.write { db in
            try NodeStore.createUser(db, name: "平台", role: .platform, unit: nil, isCityNode: true).1
        }
        let app = try node.application(today: Fixtures.date("2026-06-15"))
        try await app.test(.router) { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            for (query, field) in [("after=", "after"), ("limit=", "limit"), ("after=0&after=5", "after"), ("limit=1&limit=2", "limit")] {
                try await client.execute(uri: "/api/v1/published?\(query)", method: .get, headers: bearer) { response in
                    #expect(response.status == .unprocessableContent, "\(query)")
                    #expect(Two.errorField(response.body) == field, "\(query)")
                }
            }
            try await client.execute(uri: "/api/v1/published?after=0&limit=5", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// The console refuses an empty or repeated page parameter, and a repeated filter, as a
    /// Chinese 422 page naming no field, whichever value comes first; the filter form's empty
    /// values (its 全部) still mean no filter.
    @Test func theConsoleRefusesEmptyAndRepeatedParameters() async throws {
        try await Two.withConsole { client, cookie, token, node in
            let session: HTTPFields = [.cookie: cookie]
            for uri in ["/console?page=", "/console?page=1&page=x", "/console?page=x&page=1", "/console?page=1&page=1",
                        "/console?scope=all&after=", "/console/ledger?page=", "/console/ledger?page=1&page=x",
                        "/console/ledger?offset=", "/console/ledger?limit=", "/console/ledger?after=", "/console/ledger?limit=1&limit=2"] {
                try await client.execute(uri: uri, method: .get, headers: session) { response in
                    Two.expectRefusedPage(response, uri)
                }
            }
            for uri in ["/console?scope=all&state=submitted&state=bogus", "/console?kind=launch&kind=launch", "/console?scope=all&scope=mine",
                        "/console?scope=", "/console/ledger?year=2026&year=2027", "/console/ledger?unit=a&unit=b"] {
                try await client.execute(uri: uri, method: .get, headers: session) { response in
                    #expect(response.status == .unprocessableContent, "\(uri)")
                    let page = String(buffer: response.body)
                    #expect(page.contains("筛选条件无效"), "\(uri)")
                    #expect(!page.contains("位置:"), "\(uri): no field is pointed at")
                }
            }
            // The filter form sends 全部 as an empty value.
            for uri in ["/console?scope=all&state=&unit=&kind=", "/console/ledger?year=&state=&kind=&unit="] {
                try await client.execute(uri: uri, method: .get, headers: session) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(String(buffer: response.body).contains("220183-2026-0003"), "\(uri)")
                }
            }
        }
    }

    // MARK: 2. Console filter messages in Chinese

    /// A bad filter on a console page names the choices in Chinese (上线审查…), never the
    /// API's codes; the API's JSON keeps naming them.
    @Test func consoleFilterMessagesNameTheChoicesInChinese() async throws {
        try await Two.withConsole { client, cookie, token, node in
            let session: HTTPFields = [.cookie: cookie]
            let codes = ["launch", "adjustment", "withdrawal", "submitted", "bogus", "1999"]
            for (uri, message) in [("/console?kind=bogus", "应为上线审查、调整审查或下线申请"), ("/console/ledger?kind=bogus", "应为上线审查、调整审查或下线申请"),
                                   ("/console?scope=all&state=bogus", "未知的案件状态"), ("/console/ledger?state=bogus", "未知的案件状态"),
                                   ("/console/ledger?year=1999", "年份无效")] {
                try await client.execute(uri: uri, method: .get, headers: session) { response in
                    #expect(response.status == .unprocessableContent, "\(uri)")
                    let page = String(buffer: response.body)
                    #expect(page.contains(message), "\(uri)")
                    let main = page.components(separatedBy: "<main").last ?? page
                    for code in codes { #expect(!main.contains(code), "\(uri) shows \(code)") }
                }
            }
            try await client.execute(uri: "/api/v1/ledger?kind=bogus", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .unprocessableContent)
                #expect(Two.errorField(response.body) == "kind")
                #expect(String(buffer: response.body).contains("launch"))
            }
        }
    }

    // MARK: 3. Amounts in plain digits

    /// 兑现限额 on the case page (and in the edit form) is plain digits, never `1e-07`.
    @Test(arguments: [(1e-7, "0.0000001"), (5e1, "50"), (123456789.5, "123456789.5"), (0.1, "0.1"), (1e21, "1000000000000000000000"),
                           (-0.0, "0"), (-2.5e-3, "-0.0025"), (5e-324, "0." + String(repeating: "0", count: 323) + "5"), (1.7976931348623157e308, "17976931348623157" + String(repeating: "0", count: 292)),
                           (9007199254740992, "9007199254740992"), (12000.5, "12000.5")])
    func amountsPrintInPlainDigits(value: Double, expected: String) throws {
        #expect(ConsoleView.plainNumber(value) == expected)
        var form = try Fixtures.example("launch-clean.json")
        form.serviceItems[0].redemptionCap = RedemptionCap(amount: MoneyAmount(value: value, unit: "万元"))
        let tables = ConsoleRoutes.elementTables(form, findings: [])
        let rows = (tables[0]["groups"] as? [[String: Any]] ?? []).flatMap { $0["elements"] as? [[String: Any]] ?? [] }
        let cap = rows.first { $0["name"] as? String == Element.redemptionCap.chineseName }
        #expect(cap?["value"] as? String == "\(expected) 万元")
        // The edit form's field holds the same digits.
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(MoneyAmount(value: value, unit: "万元"))) as? [String: Any]
        #expect(ElementFields.scalar(object?["value"]) == expected)
    }
}
