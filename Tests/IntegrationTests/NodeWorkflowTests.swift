import Foundation
import ReviewTesting
import Testing

/// Real node processes on ephemeral loopback ports, driven through the HTTP API. The node's
/// date is pinned and moved by restarting it, so the deadlines can be checked against
/// `reviewctl calendar due` for the same dates.
@Suite(.serialized) struct NodeWorkflowTests {
    func reviewctl(_ arguments: [String]) throws -> String {
        let result = try CommandRunner.run(NodeProcess.binaries.appendingPathComponent("reviewctl"), arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func caseField(_ result: HTTPResult, _ key: String) -> Any? {
        (result.json["case"] as? [String: Any])?[key]
    }

    @Test func cityLevelCaseFromSubmissionToLaunchWithASupplementRound() async throws {
        let city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2024-09-27")
        defer { city.cleanUp() }
        let drafter = try city.addUser(name: "王科", role: "drafter", unit: "长春市科学技术局")
        let reviewer = try city.addUser(name: "赵审", role: "cityReviewer")

        // Submission with one non-standard phrase.
        var form = try CaseForms.cityLevel()
        form = CaseForms.setting(form, item: 0, "redemptionContent", "按上一年度研发费用的10%给予补贴,具体办法另行制定")
        try await CaseForms.uploadMaterials(of: form, to: city, token: drafter)
        let submitted = try await city.call("POST", "/api/v1/cases", token: drafter, json: form)
        #expect(submitted.status == 201, "\(submitted.text)")
        let id = try #require(caseField(submitted, "id") as? String)
        #expect(id == "220100-2024-0001")
        #expect(caseField(submitted, "state") as? String == "submitted")
        #expect((submitted.json["materials"] as? [Any])?.count == 5)

        // Acceptance starts the clock: due = reviewctl calendar due --accepted 2024-09-27.
        let accepted = try await city.call("POST", "/api/v1/cases/\(id)/accept", token: reviewer)
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(caseField(accepted, "state") as? String == "finalReview")
        let due1 = try reviewctl(["calendar", "due", "--accepted", "2024-09-27"])
        #expect(caseField(accepted, "dueOn") as? String == due1)
        #expect(caseField(accepted, "remainingWorkdays") as? Int == 10)

        let check = try await city.call("GET", "/api/v1/cases/\(id)/check", token: reviewer)
        let findings = try #require(check.json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["code"] as? String } == ["wording-nonstandard"])

        // 2024-10-08: the one-shot supplement notice stops the clock.
        try city.restart(today: "2024-10-08")
        let notice = try await city.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: reviewer, json: ["findings": findings])
        #expect(notice.status == 200, "\(notice.text)")
        #expect(caseField(notice, "state") as? String == "supplementRequested")
        #expect(caseField(notice, "clockStopped") as? Bool == true)
        #expect(caseField(notice, "dueOn") == nil)
        #expect(caseField(notice, "remainingWorkdays") as? Int == 7)
        let listWhileStopped = try await city.call("GET", "/api/v1/cases", token: reviewer)
        #expect(((listWhileStopped.json["cases"] as? [[String: Any]])?.first?["remainingWorkdays"]) as? Int == 7)

        // 2024-10-15: the drafter resubmits; the clock runs on with 7 working days.
        try city.restart(today: "2024-10-15")
        let fixed = CaseForms.setting(form, item: 0, "redemptionContent", "按上一年度研发费用的10%给予补贴")
        let resubmitted = try await city.call("POST", "/api/v1/cases/\(id)/resubmit", token: drafter, json: fixed)
        #expect(resubmitted.status == 200, "\(resubmitted.text)")
        #expect(caseField(resubmitted, "state") as? String == "finalReview")
        let due2 = try reviewctl(["calendar", "due", "--accepted", "2024-09-27", "--stopped", "2024-10-08", "--resumed", "2024-10-15"])
        #expect(due2 == "2024-10-24")
        #expect(caseField(resubmitted, "dueOn") as? String == due2)
        let changes = try #require(resubmitted.json["changes"] as? [[String: Any]])
        #expect(changes.map { $0["path"] as? String } == ["serviceItems[0].redemptionContent"])
        let diff = try await city.call("GET", "/api/v1/cases/\(id)/diff", token: reviewer)
        #expect((diff.json["changes"] as? [Any])?.count == 1)
        #expect(diff.json["from"] as? Int == 1 && diff.json["to"] as? Int == 2)

        // The 标准化审查意见书.
        let opinion = try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: reviewer, json: [
            "outcome": "passed",
            "requiredChanges": [["itemIndex": 0, "element": "consultation", "change": "补充咨询时间(工作日8:30-16:30)"]],
            "remarks": "请按期完成修改",
        ])
        #expect(opinion.status == 201, "\(opinion.text)")
        #expect(caseField(opinion, "state") as? String == "opinionPassed")
        let number = ((opinion.json["opinion"] as? [String: Any])?["number"] as? [String: Any])
        #expect(number?["sequence"] as? Int == 1 && number?["year"] as? Int == 2024)
        #expect(caseField(opinion, "revisionDueOn") as? String == (try reviewctl(["calendar", "add", "2024-10-15", "5"])))
        let page = try await city.call("GET", "/api/v1/cases/\(id)/opinion.html", token: drafter)
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        for text in ["标准化审查意见书", "长政数标审〔2024〕1号", "审查通过", "长春市科学技术局", "补充咨询时间", "2024年10月22日前"] {
            #expect(page.text.contains(text), "\(text)")
        }

        // Art 9 revision, Art 10 launch, Art 11 archive.
        let revised = try await city.call("POST", "/api/v1/cases/\(id)/revise", token: drafter, json: fixed)
        #expect(caseField(revised, "state") as? String == "revising")
        let launched = try await city.call("POST", "/api/v1/cases/\(id)/launch", token: drafter, json: ["launchDate": "2024-11-01"])
        #expect(caseField(launched, "state") as? String == "launchConfirmed", "\(launched.text)")
        #expect(launched.json["launchDate"] as? String == "2024-11-01")
        let archived = try await city.call("POST", "/api/v1/cases/\(id)/archive", token: reviewer)
        #expect(caseField(archived, "state") as? String == "archived")
        let actions = (archived.json["events"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
        #expect(actions == ["submit", "accept", "requestSupplement", "resubmit", "issueOpinion", "revise", "confirmLaunch", "archive"])

        // The ledger.
        let csv = try await city.call("GET", "/api/v1/ledger.csv?year=2024", token: reviewer)
        #expect(csv.status == 200)
        #expect(csv.data.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        #expect(csv.text.contains("220100-2024-0001"))
        #expect(csv.text.contains("长政数标审〔2024〕1号"))
        let ledger = try await city.call("GET", "/api/v1/ledger?year=2023", token: reviewer)
        #expect((ledger.json["entries"] as? [Any])?.isEmpty == true)
    }

    @Test func countyCaseWithAMaterialsRoundUpToReadyToForward() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-02-13")
        defer { county.cleanUp() }
        let drafter = try county.addUser(name: "刘起草", role: "drafter", unit: "德惠市科学技术局")
        let reviewer = try county.addUser(name: "孙初审", role: "countyReviewer")

        var form = try CaseForms.clean()
        let allMaterials = form["materials"] as! [[String: Any]]
        form["materials"] = Array(allMaterials.prefix(3))
        try await CaseForms.uploadMaterials(of: form, to: county, token: drafter)
        let submitted = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
        #expect(submitted.status == 201, "\(submitted.text)")
        let id = try #require(caseField(submitted, "id") as? String)

        // Acceptance is refused while materials are missing, naming every one.
        let refused = try await county.call("POST", "/api/v1/cases/\(id)/accept", token: reviewer)
        #expect(refused.status == 409)
        #expect(refused.errorCode == "materials-missing")
        #expect(((refused.json["error"] as? [String: Any])?["items"] as? [String])?.count == 2)

        // Art 5: one notice naming both, due 5 working days later (Spring Festival 2026 in between).
        let notice = try await county.call("POST", "/api/v1/cases/\(id)/materials-notice", token: reviewer)
        #expect(caseField(notice, "state") as? String == "awaitingMaterials", "\(notice.text)")
        #expect(caseField(notice, "materialsDueOn") as? String == (try reviewctl(["calendar", "add", "2026-02-13", "5"])))
        let missing = ((notice.json["notices"] as? [[String: Any]])?.first?["missingMaterials"] as? [String])
        #expect(missing == ["consultationRecord", "fairCompetitionAndFunding"])

        let rest = Array(allMaterials.suffix(2))
        try await CaseForms.uploadMaterials(of: ["materials": rest], to: county, token: drafter)
        let supplied = try await county.call("POST", "/api/v1/cases/\(id)/materials", token: drafter, json: ["materials": rest])
        #expect(caseField(supplied, "state") as? String == "submitted", "\(supplied.text)")

        try county.restart(today: "2026-02-24")
        let accepted = try await county.call("POST", "/api/v1/cases/\(id)/accept", token: reviewer)
        #expect(caseField(accepted, "state") as? String == "preliminaryReview", "\(accepted.text)")
        #expect(caseField(accepted, "dueOn") as? String == (try reviewctl(["calendar", "due", "--accepted", "2026-02-24"])))

        let finding: [String: Any] = ["code": "wording-nonstandard", "itemIndex": 0, "element": "conditions",
                                      "path": "serviceItems[0].conditions[2]", "message": "【申报条件】请写明“重大事故”的认定标准"]
        let supplement = try await county.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: reviewer, json: ["findings": [finding]])
        #expect(caseField(supplement, "state") as? String == "supplementRequested", "\(supplement.text)")
        try county.restart(today: "2026-02-27")
        let fixed = CaseForms.setting(form, item: 0, "conditions", ["在德惠市依法登记注册的中小微企业", "上一年度研发费用不低于50万元"])
        let resubmitted = try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: drafter, json: fixed)
        #expect(caseField(resubmitted, "state") as? String == "preliminaryReview", "\(resubmitted.text)")
        #expect(caseField(resubmitted, "dueOn") as? String == (try reviewctl(["calendar", "due", "--accepted", "2026-02-24", "--stopped", "2026-02-24", "--resumed", "2026-02-27"])))

        // One-shot rule: a new finding on an element unchanged since the last notice needs a reason.
        let second: [String: Any] = ["code": "wording-nonstandard", "itemIndex": 0, "element": "penalty",
                                     "path": "serviceItems[0].penalty", "message": "【处罚】请写明处罚部门"]
        let blocked = try await county.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: reviewer, json: ["findings": [second]])
        #expect(blocked.status == 422)
        #expect(blocked.errorCode == "one-shot-rule")
        #expect(((blocked.json["error"] as? [String: Any])?["items"] as? [String]) == ["serviceItems[0].penalty"])
        let detailAfterRefusal = try await county.call("GET", "/api/v1/cases/\(id)", token: reviewer)
        #expect(caseField(detailAfterRefusal, "state") as? String == "preliminaryReview")
        let withReason = try await county.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: reviewer, json: [
            "findings": [second], "repeatReasons": ["serviceItems[0].penalty": "上次遗漏,经科室复核补充"],
        ])
        #expect(caseField(withReason, "state") as? String == "supplementRequested", "\(withReason.text)")
        let again = try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: drafter, json: fixed)
        #expect(caseField(again, "state") as? String == "preliminaryReview")

        let done = try await county.call("POST", "/api/v1/cases/\(id)/complete-preliminary", token: reviewer,
                                         json: ["conclusion": "初审通过,拟报送长春市政数局审定"])
        #expect(caseField(done, "state") as? String == "readyToForward", "\(done.text)")
        // The opinion is the city's: a county node refuses it.
        let noOpinion = try await county.call("POST", "/api/v1/cases/\(id)/opinion", token: reviewer, json: ["outcome": "passed"])
        #expect(noOpinion.status == 409)
        #expect(noOpinion.errorCode == "illegal-transition")
        #expect((noOpinion.json["error"] as? [String: Any])?["state"] as? String == "readyToForward")
    }
}
