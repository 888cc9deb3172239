import Foundation
import ReviewTesting
import Testing

/// 上线意见征询 and an Art 6 论证会 in headless Chromium: the drafter opens a consultation, a
/// department answers 修改后同意 in its console, an overdue department shows on the drafter's
/// inbox, the compiled materials (4)(5) appear, and the city reviewer records a 论证会 that the
/// opinion cites. Screenshots go where `REVIEW_SCREENSHOTS` says (as in ``BrowserTests``).
@Suite(.serialized, .enabled(if: WebDriver.isAvailable || ProcessInfo.processInfo.environment["REVIEW_E2E"] == "1"))
struct ConsultationBrowserTests {
    let screenshots = BrowserTests.screenshotFolder

    @Test func aConsultationAndAnExpertSessionInChromium() async throws {
        try #require(WebDriver.isAvailable, "Chromium or chromedriver is missing: run deploy/install-deps.sh")
        let federation = try Federation(today: "2026-11-30")
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        var consultees: [String: String] = [:]
        for department in ["德惠市司法局", "德惠市财政局", "德惠市市场监督管理局", "德惠市发展和改革局"] {
            consultees[department] = try county.addUser(name: department + "经办人", role: "consultee", unit: department)
        }
        let browser = try await WebDriver()
        defer { Task { await browser.quit() } }

        func signIn(_ node: NodeProcess, _ token: String) async throws {
            try await browser.deleteCookies()
            try await browser.open(node.baseURL.appendingPathComponent("console/login"))
            try await browser.type("#token", token)
            try await browser.click("#login-token")
            let signedIn = try await eventually(10) { try await browser.text().contains("退出") }
            try #require(signedIn, "signed in at \(node.baseURL)")
        }
        func page(_ name: String, expecting texts: [String]) async throws {
            var text = ""
            _ = try await eventually(10) {
                text = try await browser.text()
                return texts.allSatisfy(text.contains)
            }
            for expected in texts { #expect(text.contains(expected), "\(name): \(expected) in \(text.prefix(300))") }
            // Chinese only, as ConsoleWordingTests asks of every page (a consultation number such as
            // 220183-ZX-2026-0001 reads like a case number).
            let source = ConsoleWording.replacing(#"\b\d{6}-ZX-\d{4}-\d{4}\b"#, in: try await browser.source())
            #expect(ConsoleWording.leaks(in: source).isEmpty, "\(name): \(ConsoleWording.leaks(in: source))")
            try await browser.screenshot(to: screenshots.appendingPathComponent("\(name).png"))
        }

        // The drafter opens a consultation of four departments (财政局 and 市场监管局 get their typed requests).
        try await signIn(county, federation.drafter)
        try await browser.open(county.baseURL.appendingPathComponent("console/consultations"))
        try await browser.type("#title", "德惠市支持中小微企业创新发展若干措施")
        for index in 0..<4 { try await browser.click("#department-\(index)") }
        try await page("17-drafter-open-consultation", expecting: ["发起意见征询", "德惠市财政局", "财政资金安排意见", "公平竞争审查"])
        try await browser.click("#open-consultation")
        try await page("18-drafter-consultation-opened", expecting: ["意见征询已发出", "德惠市发展和改革局", "2026-12-07"])
        let id = try #require(try await browser.execute("return document.querySelector('h1').textContent.replace('意见征询 ', '')") as? String)

        // 发改局 answers 修改后同意 with an element-by-element change.
        try await signIn(county, consultees["德惠市发展和改革局"]!)
        try await page("19-consultee-requests", expecting: ["上线意见征询", id, "德惠市科学技术局"])
        try await browser.open(county.baseURL.appendingPathComponent("console/consultations/\(id)"))
        try await browser.click("#answer-changes")
        try await browser.type("#change-0-text", "申报时限请写明起止日期")
        try await page("20-consultee-answer-form", expecting: ["答复意见", "修改后同意", "修改意见(修改后同意时逐项填写)"])
        try await browser.click("#submit-answer")
        try await page("21-consultee-answered", expecting: ["答复已提交", "申报时限请写明起止日期"])
        for (department, answer) in [
            ("德惠市司法局", ["answer": "agree"] as [String: Any]),
            ("德惠市市场监督管理局", ["answer": "agree", "fairCompetition": ["conclusion": "noRestriction", "basis": "《公平竞争审查制度实施细则》"]]),
        ] {
            let result = try await county.call("POST", "/api/v1/consultations/\(id)/answer", token: consultees[department]!, json: answer)
            #expect(result.status == 200, "\(result.text)")
        }

        // Past the deadline: the drafter's inbox reminds it of 财政局.
        try county.restart(today: "2026-12-09")
        try city.restart(today: "2026-12-09")
        try await signIn(county, federation.drafter)
        try await page("22-drafter-inbox-reminder", expecting: ["意见征询提醒", "德惠市财政局已超过答复期限"])
        let late = try await county.call("POST", "/api/v1/consultations/\(id)/answer", token: consultees["德惠市财政局"]!, json: [
            "answer": "agree", "funding": ["conclusion": "同意从市本级财政预算安排", "basis": "2026年部门预算", "source": "市本级财政预算", "amount": "500万元"],
        ])
        #expect(late.status == 200, "\(late.text)")
        try await browser.open(county.baseURL.appendingPathComponent("console/consultations/\(id)"))
        try await page("23-drafter-consultation-complete", expecting: ["自动生成的申请材料", "逾期答复", "提交审查申请(自动附材料四、五)"])

        // The case goes up with the consultation; the city reviewer records a 论证会.
        var form = try CaseForms.clean()
        form["materials"] = (form["materials"] as! [[String: Any]]).filter { !["consultationRecord", "fairCompetitionAndFunding"].contains($0["kind"] as! String) }
        try await CaseForms.uploadMaterials(of: form, to: county, token: federation.drafter)
        form["consultationId"] = id
        let submitted = try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: form)
        let caseId = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String, "\(submitted.text)")
        _ = try await county.call("POST", "/api/v1/cases/\(caseId)/accept", token: federation.countyReviewer)
        _ = try await county.call("POST", "/api/v1/cases/\(caseId)/complete-preliminary", token: federation.countyReviewer, json: ["conclusion": "初审通过"])
        _ = try await county.call("POST", "/api/v1/cases/\(caseId)/forward", token: federation.countyReviewer)
        #expect(try await eventually { try await federation.state(city, caseId, token: federation.cityReviewer) == "finalReview" })
        try await signIn(city, federation.cityReviewer)
        try await browser.open(city.baseURL.appendingPathComponent("console/cases/\(caseId)"))
        try await browser.execute("document.getElementById('sessionForm').value = 'hearing'")
        for (row, person) in [("王敏", "德惠市科学技术局", "drafting"), ("赵磊", "吉林大学", "expert"), ("孙涛", "长春市大数据中心", "informationTechnology")].enumerated() {
            try await browser.type("#participant-\(row)-name", person.0)
            try await browser.type("#participant-\(row)-unit", person.1)
            try await browser.execute("document.getElementById('participant-\(row)-field').value = '\(person.2)'")
        }
        try await browser.type("#minutes", "逐项讨论申报条件与兑现方式。")
        try await browser.type("#conclusions", "要素表述规范,同意上线。")
        try await browser.click("#action-expert-session")
        try await page("24-city-case-consultation-and-session", expecting: ["座谈会、论证会已记录", "上线意见征询", "修改后同意", "第1次 论证会(市级)", "吉林大学"])
        let opinion = try await city.call("POST", "/api/v1/cases/\(caseId)/opinion", token: federation.cityReviewer, json: ["outcome": "passed", "requiredChanges": []])
        #expect(opinion.status == 201, "\(opinion.text)")
        try await browser.open(city.baseURL.appendingPathComponent("console/cases/\(caseId)/opinion"))
        try await page("25-opinion-with-expert-session", expecting: ["标准化审查意见书", "审查依据(第六条)", "论证会(3人参加)结论:要素表述规范,同意上线。"])
    }
}
