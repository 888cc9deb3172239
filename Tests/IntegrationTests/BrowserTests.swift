import Foundation
import ReviewTesting
import Testing

/// The console in a real browser: headless Chromium (Debian's package) through chromedriver,
/// on a local federation of real node processes. A drafter submits, the county reviewer sends
/// a supplement notice and then forwards, the city reviewer issues the opinion, the drafter
/// reads it. Each page is checked for its Chinese text and saved as a PNG in the folder
/// `REVIEW_SCREENSHOTS` names (default: a temporary folder, printed).
///
/// `deploy/test.sh` installs Chromium and sets `REVIEW_E2E=1`, which makes a missing browser a
/// failure instead of a skipped suite.
@Suite(.serialized, .enabled(if: WebDriver.isAvailable || ProcessInfo.processInfo.environment["REVIEW_E2E"] == "1"))
struct BrowserTests {
    /// Where screenshots go: `REVIEW_SCREENSHOTS`, or a folder in the temporary directory.
    static let screenshotFolder: URL = {
        let environment = ProcessInfo.processInfo.environment["REVIEW_SCREENSHOTS"]
        let folder = environment.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("review-console-screenshots")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }()
    let screenshots = BrowserTests.screenshotFolder

    @Test func aCaseThroughTheConsoleInChromium() async throws {
        try #require(WebDriver.isAvailable, "Chromium or chromedriver is missing: run deploy/install-deps.sh")
        let federation = try Federation(today: "2026-11-30")
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let supervisor = try city.addUser(name: "长春市政数局监督员", role: "supervisor")
        let countyOperator = try county.addUser(name: "德惠市节点运维", role: "operator")
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        let defective = files.appendingPathComponent("要素表-初稿.json")
        try ConsoleTests.defectiveForm().write(to: defective)
        let clean = files.appendingPathComponent("要素表-修改稿.json")
        try JSONSerialization.data(withJSONObject: try CaseForms.clean()).write(to: clean)
        var materials: [(String, URL)] = []
        for (field, name, data) in try ConsoleTests.materialFiles() {
            let file = files.appendingPathComponent(name)
            try data.write(to: file)
            materials.append((field, file))
        }

        let browser = try await WebDriver()
        defer { Task { await browser.quit() } }
        print("console screenshots: \(screenshots.path)")

        func signIn(_ node: NodeProcess, _ token: String) async throws {
            try await browser.deleteCookies()
            try await browser.open(node.baseURL.appendingPathComponent("console/login"))
            try await browser.type("#token", token)
            try await browser.click("#login-token")
            // Wait for the sign-in's redirect before navigating on, or it may land afterwards.
            let signedIn = try await eventually(10) { try await browser.text().contains("退出") }
            try #require(signedIn, "signed in at \(node.baseURL)")
        }
        func page(_ name: String, expecting texts: [String]) async throws {
            // A form post navigates; wait for the page it leads to.
            var text = ""
            _ = try await eventually(10) {
                text = try await browser.text()
                return texts.allSatisfy(text.contains)
            }
            for expected in texts { #expect(text.contains(expected), "\(name): \(expected) in \(text.prefix(300))") }
            try await browser.screenshot(to: screenshots.appendingPathComponent("\(name).png"))
        }

        // 1. The drafter checks the form (a finding shows) and submits it with the materials.
        try await browser.open(county.baseURL.appendingPathComponent("console/login"))
        try await page("01-login", expecting: ["登录", "访问令牌"])
        try await signIn(county, federation.drafter)
        try await browser.open(county.baseURL.appendingPathComponent("console/submit/form"))
        try await page("02-drafter-fill-in", expecting: ["填写要素表", "政策信息", "事项1", "申报材料", "免申即享等无需材料的填“无”"])
        try await browser.open(county.baseURL.appendingPathComponent("console/submit"))
        try await browser.type("#formFile", defective.path)
        for (field, file) in materials { try await browser.type("#\(field)", file.path) }
        try await browser.click("#check")
        try await page("03-drafter-check", expecting: ["标准化检查发现 1 处问题", "部门内部审批时限", "确认提交"])
        #expect(try await browser.clickAndConfirm("#confirm-submit").contains("确认提交审查申请"))
        try await page("04-drafter-case", expecting: ["申请已提交", "已提交", "部门内部审批时限"])
        let caseId = try #require(try await browser.execute("return document.getElementById('case-id').textContent") as? String)

        // 2. The county reviewer accepts and sends the supplement notice.
        try await signIn(county, federation.countyReviewer)
        try await page("05-county-inbox", expecting: ["等待我处理的案件", caseId])
        try await browser.click("a[href='/console/cases/\(caseId)']")
        _ = try await browser.clickAndConfirm("#action-accept")
        try await page("06-county-accepted", expecting: ["已受理,审查计时开始", "补正通知(第八条)", "审查期限"])
        _ = try await browser.clickAndConfirm("#action-supplement-notice")
        try await page("07-county-notice", expecting: ["补正通知已发出", "补正期间计时暂停"])

        // 3. The drafter answers with the revised form.
        try await signIn(county, federation.drafter)
        try await browser.open(county.baseURL.appendingPathComponent("console/cases/\(caseId)"))
        try await browser.type("#resubmit-file", clean.path)
        try await browser.click("#action-resubmit")
        try await page("08-drafter-resubmitted", expecting: ["已重新提交", "修订对比(第1版 → 第2版)"])

        // 4. The county reviewer completes the preliminary review and forwards.
        try await signIn(county, federation.countyReviewer)
        try await browser.open(county.baseURL.appendingPathComponent("console/cases/\(caseId)"))
        try await browser.click("#action-complete-preliminary")
        _ = try await browser.clickAndConfirm("#action-forward")
        try await page("09-county-forwarded", expecting: ["已报送市级审定", "市级审定中"])

        // 5. The city reviewer issues the opinion.
        try await signIn(city, federation.cityReviewer)
        let arrived = try await eventually {
            try await browser.open(city.baseURL.appendingPathComponent("console"))
            return try await browser.text().contains(caseId)
        }
        #expect(arrived, "the forwarded case reaches the city's inbox")
        try await page("10-city-inbox", expecting: ["等待我处理的案件", caseId])
        try await browser.click("a[href='/console/cases/\(caseId)']")
        try await browser.type("#remarks", "请于上线前在德惠市人民政府网站同步公开。")
        _ = try await browser.clickAndConfirm("#action-opinion")
        try await page("11-city-opinion-issued", expecting: ["标准化审查意见书已出具", "长政数标审〔2026〕1号"])

        // 6. The drafter sees the opinion at the county and opens the printable page.
        try await signIn(county, federation.drafter)
        let back = try await eventually {
            try await browser.open(county.baseURL.appendingPathComponent("console/cases/\(caseId)"))
            return try await browser.text().contains("长政数标审〔2026〕1号")
        }
        #expect(back, "the opinion reaches the drafter's county node")
        try await page("12-drafter-case-with-opinion", expecting: ["审查通过", "按审查意见修改(第九条)", "确认上线(第十条)"])
        try await browser.click("#open-opinion")
        try await page("13-opinion", expecting: ["标准化审查意见书", "长政数标审〔2026〕1号", "德惠市科学技术局", "长春市政务服务和数字化建设管理局", "签名公钥指纹", "请于上线前在德惠市人民政府网站同步公开。"])

        // 7. Supervision, the ledger and the operator's page.
        try await signIn(city, supervisor)
        try await browser.open(city.baseURL.appendingPathComponent("console/supervision"))
        try await page("14-city-supervision", expecting: ["监督统计(第十五条)", "德惠市政务服务和数字化建设管理局", "问题最多的十项要素", "部门内部审批时限"])
        try await signIn(county, federation.countyReviewer)
        try await browser.open(county.baseURL.appendingPathComponent("console/ledger"))
        try await page("15-county-ledger", expecting: ["审查台帐(第十一条)", caseId, "长政数标审〔2026〕1号"])
        try await signIn(county, countyOperator)
        try await page("16-county-operator", expecting: ["运维管理", "节点连接", "长春市政务服务和数字化建设管理局", "尚未加载2027年的工作日历"])
    }
}
