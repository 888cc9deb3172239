import Foundation
import ReviewTesting
import Testing

/// What a page says to the person reading it, checked for the API's vocabulary: ASCII
/// identifiers, JSON paths, `key=value` pairs, ISO timestamps, UTC and English words. Allowed:
/// URLs, case ids (220183-2026-0001), dates (YYYY-MM-DD), times (HH:mm), numbers, hex digests
/// and fingerprints, a few abbreviations clerks know (CSV, ZIP, JSON, SHA-256, KB) and
/// file-name extensions. Text inside an element marked `data-technical` (commands and raw
/// errors for operators, the opinion's verification footer) is not read.
enum ConsoleWording {
    static let allowedWords: Set<String> = ["CSV", "ZIP", "JSON", "SHA", "KB", "pdf", "doc", "docx", "xls", "xlsx", "ofd", "txt", "json", "zip", "html"]

    static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    static func replacing(_ pattern: String, in text: String, with template: String = " ") -> String {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators, .caseInsensitive])
        return regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    /// The text a person reads on `html`: text nodes, and the placeholder, title and alt attributes.
    static func visibleText(_ html: String) -> String {
        var page = html
        for tag in ["script", "style"] { page = replacing("<\(tag)\\b.*?</\(tag)>", in: page) }
        for tag in ["span", "code", "details", "div"] { page = replacing("<\(tag)\\b[^>]*\\bdata-technical\\b[^>]*>.*?</\(tag)>", in: page) }
        let attributes = matches(#"\b(?:placeholder|title|alt)="[^"]*""#, in: page)
            .map { String($0.drop { $0 != "\"" }.dropFirst().dropLast()) }
        var text = replacing("<[^>]*>", in: page) + " " + attributes.joined(separator: " ")
        for (entity, character) in [("&quot;", "\""), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", " "), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text
    }

    /// What on `html` a clerk should not see; empty when the page reads as Chinese.
    static func leaks(in html: String) -> [String] {
        var text = visibleText(html)
        var leaks = matches(#"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#, in: text).map { "ISO timestamp \($0)" }
        leaks += matches(#"[A-Za-z_][A-Za-z0-9_.]*=\S*"#, in: text).map { "key=value \($0)" }
        leaks += matches(#"超期\d+天|已用[^<]{0,12}\d+\s*天"#, in: text).map { "calendar days for working days: \($0)" }
        text = replacing(#"https?://[^\s"<)]+"#, in: text)
        text = replacing(#"\b\d{6}-\d{4}-\d{4}\b"#, in: text)
        text = replacing(#"\b[0-9a-f]{16,}\b"#, in: text)
        text = replacing(#"SHA-256"#, in: text)
        leaks += matches(#"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?)*"#, in: text)
            .filter { !allowedWords.contains($0) }.map { "word \($0)" }
        return leaks
    }
}

/// Every page and form of the console, for every role on both nodes, with cases in every
/// state the two nodes reach: nothing on them is code, keys, paths, UTC or English.
@Suite(.serialized) struct ConsoleWordingTests {
    @Test func theCheckerFindsWhatLeaks() {
        #expect(ConsoleWording.leaks(in: "<td>kind=launch late=false</td>").filter { $0.hasPrefix("key=value") }.count == 2)
        #expect(!ConsoleWording.leaks(in: "<td>serviceItems[0].applicationPlace</td>").isEmpty)
        #expect(!ConsoleWording.leaks(in: "<th>时间(UTC)</th>").isEmpty)
        #expect(!ConsoleWording.leaks(in: "<td>2026-03-02T08:00:00Z</td>").isEmpty)
        #expect(!ConsoleWording.leaks(in: "<td>超期10天</td>").isEmpty)
        #expect(!ConsoleWording.leaks(in: "<p>格式见 Config/README.md</p>").isEmpty)
        #expect(!ConsoleWording.leaks(in: #"<textarea placeholder="{ &quot;formatVersion&quot;: 1 }"></textarea>"#).isEmpty)
        #expect(ConsoleWording.leaks(in: """
            <title>案件 · 德惠市</title><style>body { font: 14px }</style><td>220183-2026-0001</td><td>2026-03-02 16:05</td>
            <a href="/console/cases/1">导出CSV</a><code>62a373f75e9120d74ab3c2fd1e9c4464</code><td>申请函.pdf 1.2 KB</td>
            <span data-technical>reviewctl opinion verify</span><input type="hidden" name="formJSON" value="{&quot;a&quot;:1}">
            """).isEmpty)
    }

    @Test func everyPageForEveryRoleInEveryStateReadsAsChinese() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let tradeDrafter = try county.addUser(name: "商务局起草员", role: "drafter", unit: "德惠市商务局")
        let countyOperator = try county.addUser(name: "县运维", role: "operator")
        let supervisor = try city.addUser(name: "市监督员", role: "supervisor")
        let cityDrafter = try city.addUser(name: "市科技局起草员", role: "drafter", unit: "长春市科学技术局")

        func call(_ node: NodeProcess, _ path: String, _ token: String, _ body: Any? = nil) async throws {
            let result = try await node.call("POST", "/api/v1/cases/\(path)", token: token, json: body)
            guard (200..<300).contains(result.status) else { throw NodeProcessError("\(path): \(result.status) \(result.text.prefix(300))") }
        }
        func submit(_ form: [String: Any], to node: NodeProcess, as token: String) async throws -> String {
            try await CaseForms.uploadMaterials(of: form, to: node, token: token)
            let submitted = try await node.call("POST", "/api/v1/cases", token: token, json: form)
            guard let id = (submitted.json["case"] as? [String: Any])?["id"] as? String else { throw NodeProcessError("submit: \(submitted.text)") }
            return id
        }
        func state(_ node: NodeProcess, _ id: String, _ token: String) async throws -> String? {
            ((try await node.call("GET", "/api/v1/cases/\(id)", token: token)).json["case"] as? [String: Any])?["state"] as? String
        }
        func waitFor(_ node: NodeProcess, _ id: String, _ token: String, _ expected: String) async throws {
            let reached = try await eventually { try await state(node, id, token) == expected }
            guard reached else { throw NodeProcessError("\(id) never reached \(expected) (is \(try await state(node, id, token) ?? "absent"))") }
        }
        let note: [String: Any] = ["findings": [["code": "reviewer-note", "itemIndex": 0, "element": "applicationPlace",
                                                 "path": "serviceItems[0].applicationPlace", "message": "请写明具体办理地址"]]]
        let change: [String: Any] = ["outcome": "notPassed", "requiredChanges": [["itemIndex": 0, "element": "applicationPlace", "change": "写明具体办理地址"]]]
        let clean = try CaseForms.clean()
        var revised = CaseForms.setting(clean, item: 0, "applicationPlace", "德惠市政务服务中心二楼科技局窗口")
        revised["materials"] = clean["materials"]

        // County cases, one per state the county reaches.
        _ = try await submit(clean, to: county, as: federation.drafter)                                   // submitted
        var partial = clean
        partial["materials"] = Array((clean["materials"] as! [[String: Any]]).prefix(2))
        let awaiting = try await submit(partial, to: county, as: federation.drafter)
        try await call(county, "\(awaiting)/materials-notice", federation.countyReviewer)               // awaitingMaterials
        let accepted = try await submit(clean, to: county, as: federation.drafter)
        try await call(county, "\(accepted)/accept", federation.countyReviewer)                          // accepted / preliminaryReview
        let supplement = try await submit(clean, to: county, as: federation.drafter)
        try await call(county, "\(supplement)/accept", federation.countyReviewer)
        try await call(county, "\(supplement)/supplement-notice", federation.countyReviewer, note)       // supplementRequested
        // Ready: accepted, a supplement round answered with a change (a diff), preliminary review done.
        func ready(_ form: [String: Any] = clean, drafter: String? = nil) async throws -> String {
            let id = try await submit(form, to: county, as: drafter ?? federation.drafter)
            try await call(county, "\(id)/accept", federation.countyReviewer)
            if drafter == nil {
                try await call(county, "\(id)/supplement-notice", federation.countyReviewer, note)
                try await call(county, "\(id)/resubmit", drafter ?? federation.drafter, revised)
            }
            try await call(county, "\(id)/complete-preliminary", federation.countyReviewer, ["conclusion": "初审通过,报市级审定"])
            return id
        }
        _ = try await ready()                                                                             // readyToForward
        func forwarded(_ form: [String: Any] = clean, drafter: String? = nil) async throws -> String {
            let id = try await ready(form, drafter: drafter)
            try await call(county, "\(id)/forward", federation.countyReviewer)
            try await waitFor(city, id, federation.cityReviewer, "finalReview")
            return id
        }
        _ = try await forwarded()                                                                         // forwarded / finalReview
        let citySupplement = try await forwarded()
        try await call(city, "\(citySupplement)/supplement-notice", federation.cityReviewer, note)
        try await waitFor(county, citySupplement, federation.countyReviewer, "citySupplementRequested")
        func opinion(_ body: [String: Any]) async throws -> String {
            let id = try await forwarded()
            try await call(city, "\(id)/opinion", federation.cityReviewer, body)
            try await waitFor(county, id, federation.countyReviewer, body["outcome"] as! String == "passed" ? "opinionPassed" : "opinionNotPassed")
            return id
        }
        _ = try await opinion(["outcome": "passed", "remarks": "请按期上线"])                              // opinionPassed
        _ = try await opinion(change)                                                                     // opinionNotPassed
        let revising = try await opinion(change)
        try await call(county, "\(revising)/revise", federation.drafter, revised)                          // revising
        let disagreement = try await opinion(change)
        try await call(county, "\(disagreement)/disagreement", federation.drafter, ["reason": "办理地址已在办事指南中列明"])
        let launched = try await opinion(["outcome": "passed"])
        try await call(county, "\(launched)/launch", federation.drafter, ["launchDate": "2026-03-20"])    // launchConfirmed
        let archived = try await opinion(["outcome": "passed"])
        try await call(county, "\(archived)/launch", federation.drafter, ["launchDate": "2026-03-20"])
        try await call(county, "\(archived)/archive", federation.countyReviewer)                          // archived
        var withdrawal = try JSONSerialization.jsonObject(with: Fixtures.exampleData("withdrawal-clean.json")) as! [String: Any]
        withdrawal["policy"] = (withdrawal["policy"] as! [String: Any]).merging(["effectiveDate": "2026-06-30"]) { $1 }
        let withdrawn = try await forwarded(withdrawal, drafter: tradeDrafter)
        try await call(city, "\(withdrawn)/opinion", federation.cityReviewer, ["outcome": "passed"])
        try await waitFor(county, withdrawn, tradeDrafter, "opinionPassed")
        try await call(county, "\(withdrawn)/launch", tradeDrafter, ["launchDate": "2026-06-30"])         // withdrawalConfirmed
        // City-level cases: submitted, and one through to its opinion.
        _ = try await submit(try CaseForms.cityLevel(), to: city, as: cityDrafter)
        let cityCase = try await submit(try CaseForms.cityLevel(), to: city, as: cityDrafter)
        try await call(city, "\(cityCase)/accept", federation.cityReviewer)
        try await call(city, "\(cityCase)/opinion", federation.cityReviewer, change)

        // Every state either node holds, between them.
        var states: Set<String> = []
        for (node, token) in [(county, federation.countyReviewer), (city, federation.cityReviewer)] {
            let cases = (try await node.call("GET", "/api/v1/cases", token: token)).json["cases"] as? [[String: Any]] ?? []
            states.formUnion(cases.compactMap { $0["state"] as? String })
        }
        let expected: Set<String> = ["submitted", "awaitingMaterials", "supplementRequested", "readyToForward", "forwarded", "citySupplementRequested",
                                     "finalReview", "opinionPassed", "opinionNotPassed", "revising", "disagreementRecorded", "launchConfirmed",
                                     "withdrawalConfirmed", "archived"]
        #expect(expected.isSubset(of: states), "states not reached: \(expected.subtracting(states).sorted())")

        // Every page, for every role on both nodes; every case page and opinion each role may open.
        var leaks: [String] = []
        var pages = 0
        func read(_ session: ConsoleSession, _ path: String, as who: String) async throws -> String {
            let result = try await session.get(path)
            if result.status == 303 { return "" }
            pages += 1
            let found = ConsoleWording.leaks(in: result.text)
            if !found.isEmpty { leaks.append("\(who) \(path): \(found.prefix(8).joined(separator: " | "))") }
            return result.text
        }
        let roles: [(NodeProcess, String, String)] = [
            (county, federation.drafter, "县起草部门"), (county, tradeDrafter, "县商务局起草部门"), (county, federation.countyReviewer, "县级审查员"),
            (county, countyOperator, "县运维"), (city, federation.cityReviewer, "市级审查员"), (city, supervisor, "市监督员"),
            (city, cityDrafter, "市起草部门"), (city, federation.cityOperator, "市运维"),
        ]
        for (node, token, who) in roles {
            let session = try await ConsoleSession.signIn(node.baseURL, token: token)
            let all = try await read(session, "/console?scope=all", as: who)
            for path in ["/console", "/console/submit", "/console/submit/form", "/console/ledger", "/console/supervision", "/console/operator",
                         "/console/no-such-page", "/console/cases/220183-2026-9999",
                         // Refused paging (422) and an action's address opened (405): Chinese pages too.
                         "/console/ledger?offset=-5", "/console/ledger?limit=0", "/console/ledger?after=2026-01-01:220183-2026-0001:x",
                         "/console?scope=all&page=0", "/console/cases/220183-2026-9999/actions/accept"] {
                _ = try await read(session, path, as: who)
            }
            let ids = Set(ConsoleWording.matches(#"/console/cases/(\d{6}-\d{4}-\d{4})""#, in: all).map { String($0.dropFirst(15).dropLast()) })
            for id in ids.sorted() {
                let page = try await read(session, "/console/cases/\(id)", as: who)
                if page.contains("/opinion\"") { _ = try await read(session, "/console/cases/\(id)/opinion", as: who) }
            }
        }
        // Break-it (session 8, low): the label said 确认上线日期 beside the launch date.
        let drafter = try await ConsoleSession.signIn(county.baseURL, token: federation.drafter)
        let launchedPage = try await drafter.get("/console/cases/\(launched)").text
        #expect(launchedPage.contains("上线日期:2026-03-20(起草单位于") && !launchedPage.contains("确认上线日期"))
        let withdrawnPage = try await ConsoleSession.signIn(county.baseURL, token: tradeDrafter).get("/console/cases/\(withdrawn)").text
        #expect(withdrawnPage.contains("下线日期:2026-06-30(起草单位于"))
        // Break-it (session 9, MEDIUM): the city's timeline called the withdrawal's confirmation 收到上线确认.
        let cityReviewerSession = try await ConsoleSession.signIn(city.baseURL, token: federation.cityReviewer)
        var cityWithdrawn = ""
        for _ in 0..<100 where !cityWithdrawn.contains("收到下线确认") {
            cityWithdrawn = try await cityReviewerSession.get("/console/cases/\(withdrawn)").text
            if !cityWithdrawn.contains("收到下线确认") { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(cityWithdrawn.contains("收到下线确认") && cityWithdrawn.contains("下线日期 2026-06-30") && !cityWithdrawn.contains("收到上线确认"))
        // Forms that answer with a page: a drafter's check with findings, a fill-in with a word where days go.
        _ = try await drafter.get("/console/submit")
        let checked = try await drafter.postMultipart("/console/submit", fields: [("step", "check")],
                                                      files: [("formFile", "要素表.json", try ConsoleTests.defectiveForm())] + (try ConsoleTests.materialFiles()))
        #expect(checked.text.contains("标准化检查发现"))
        for (name, result) in [("check", checked),
                               ("bad JSON", try await drafter.postMultipart("/console/submit", fields: [("step", "check")], files: [("formFile", "要素表.json", Data("{".utf8))])),
                               ("bad days", try await drafter.post("/console/submit", ["source": "fields", "step": "check", "policy.level": "county", "policy.kind": "launch",
                                                                                      "items.0.redemptionDays": "二十"])),
                               ("bad date", try await drafter.post("/console/cases/\(launched)/actions/launch", ["launchDate": "2026-13-01"]))] {
            pages += 1
            let found = ConsoleWording.leaks(in: result.text)
            if !found.isEmpty { leaks.append("drafter form \(name): \(found.joined(separator: " | "))") }
        }
        _ = try await read(ConsoleSession(baseURL: county.baseURL), "/console/login", as: "anonymous")
        #expect(pages > 150)
        #expect(leaks.isEmpty, "\(leaks.count) pages leak:\n\(leaks.joined(separator: "\n"))")
    }
}
