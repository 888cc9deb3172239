import Foundation
import ReviewTesting
import Testing

/// The operator imports next year's calendar from the State Council's notice in the console:
/// read and shown first, written only on confirmation, never over an existing year.
@Suite(.serialized) struct CalendarImportConsoleTests {
    @Test func theNoticeIsReadShownAndWrittenOnConfirmation() async throws {
        // A Config folder of its own, without the year the notice is for.
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixtures.configDirectory, to: config)
        defer { try? FileManager.default.removeItem(at: config) }
        let shipped = try String(contentsOf: config.appendingPathComponent("calendar/2026.json"), encoding: .utf8)
        try FileManager.default.removeItem(at: config.appendingPathComponent("calendar/2026.json"))
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2025-11-20",
                                     configuration: ["configDirectory": config.path])
        defer { county.cleanUp() }
        let operatorToken = try county.addUser(name: "运维", role: "operator")
        let browser = try await ConsoleSession.signIn(county.baseURL, token: operatorToken)
        #expect(try await browser.get("/console/operator").text.contains("导入下一年度节假日安排"))  // and the page's CSRF token
        let notice = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/holiday-notices/2026.txt"), encoding: .utf8)

        // A notice that cannot be read fully: refused, nothing written.
        let broken = try await browser.post("/console/operator/calendar", [("step", "preview"), ("year", "2026"),
                                                                            ("notice", notice.replacingOccurrences(of: "共9天", with: "共8天"))])
        #expect(broken.status == 422 && broken.text.contains("未能完整识别"))
        // Read and shown; not written yet.
        let preview = try await browser.post("/console/operator/calendar", [("step", "preview"), ("year", "2026"), ("notice", notice)])
        #expect(preview.status == 200 && preview.text.contains("calendar-import") && preview.text.contains("春节"), "\(preview.text.prefix(300))")
        let file = config.appendingPathComponent("calendar/2026.json")
        #expect(!FileManager.default.fileExists(atPath: file.path))
        // Confirmed: written, the same days as the shipped file.
        let imported = try await browser.post("/console/operator/calendar", [("step", "import"), ("year", "2026"), ("notice", notice)])
        #expect(imported.status == 200 && imported.text.contains("重启本节点后生效"), "\(imported.text.prefix(300))")
        // The same days as the shipped file: every line but the one naming the source.
        func days(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.contains("\"source\"") } }
        #expect(days(try String(contentsOf: file, encoding: .utf8)) == days(shipped))
        // Never over an existing year.
        let again = try await browser.post("/console/operator/calendar", [("step", "import"), ("year", "2026"), ("notice", notice)])
        #expect(again.status == 409)
        // Operators only.
        let drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let asDrafter = try await ConsoleSession.signIn(county.baseURL, token: drafter)
        _ = try await asDrafter.get("/console")
        #expect(try await asDrafter.post("/console/operator/calendar", [("step", "preview"), ("year", "2027"), ("notice", notice)]).status == 403)
    }
}
