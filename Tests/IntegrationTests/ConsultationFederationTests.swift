import Crypto
import Foundation
import ReviewTesting
import Testing

/// Issue 18 end to end, with real processes: a 上线意见征询 of four departments (one 修改后同意,
/// one answering late) → a submission carrying the generated materials (4) and (5) → forwarded
/// to the city → an Art 6 论证会 at the city, cited in the opinion that comes back.
@Suite(.serialized) struct ConsultationFederationTests {
    @Test func aConsultationTravelsWithTheCaseAndTheCitySessionIsCitedInTheOpinion() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        var consultees: [String: String] = [:]
        for department in ["德惠市司法局", "德惠市财政局", "德惠市市场监督管理局", "德惠市发展和改革局"] {
            consultees[department] = try county.addUser(name: department + "经办人", role: "consultee", unit: department)
        }
        var form = try CaseForms.clean()
        form["materials"] = (form["materials"] as! [[String: Any]]).filter { !["consultationRecord", "fairCompetitionAndFunding"].contains($0["kind"] as! String) }
        try await CaseForms.uploadMaterials(of: form, to: county, token: federation.drafter)

        let opened = try await county.call("POST", "/api/v1/consultations", token: federation.drafter, json: [
            "form": form,
            "departments": [["department": "德惠市司法局"], ["department": "德惠市财政局", "topic": "funding"],
                            ["department": "德惠市市场监督管理局", "topic": "fairCompetition"], ["department": "德惠市发展和改革局"]],
        ])
        #expect(opened.status == 201, "\(opened.text)")
        let id = try #require((opened.json["consultation"] as? [String: Any])?["id"] as? String)
        for (department, answer) in [
            ("德惠市司法局", ["answer": "agree"] as [String: Any]),
            ("德惠市发展和改革局", ["answer": "agreeWithChanges", "changes": [["itemIndex": 0, "element": "applicationWindow", "change": "写明申报起止日期"]]]),
            ("德惠市市场监督管理局", ["answer": "agree", "fairCompetition": ["conclusion": "noRestriction", "basis": "《公平竞争审查制度实施细则》"]]),
        ] {
            let result = try await county.call("POST", "/api/v1/consultations/\(id)/answer", token: consultees[department]!, json: answer)
            #expect(result.status == 200, "\(department): \(result.text)")
        }
        // Ten days later 财政局 is overdue (due 2026-03-09), answers, and is marked late.
        try county.restart(today: "2026-03-12")
        try city.restart(today: "2026-03-12")
        let waiting = try await county.call("GET", "/api/v1/consultations/\(id)", token: federation.drafter)
        #expect(waiting.json["overdueDepartments"] as? [String] == ["德惠市财政局"])
        let late = try await county.call("POST", "/api/v1/consultations/\(id)/answer", token: consultees["德惠市财政局"]!, json: [
            "answer": "agree", "funding": ["conclusion": "同意从市本级财政预算安排", "basis": "2026年部门预算", "source": "市本级财政预算", "amount": "500万元"],
        ])
        #expect(late.status == 200, "\(late.text)")
        _ = try await county.call("POST", "/api/v1/consultations/\(id)/responses", token: federation.drafter,
                                  json: ["department": "德惠市发展和改革局", "response": "已采纳"])

        var withConsultation = form
        withConsultation["consultationId"] = id
        let submitted = try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: withConsultation)
        #expect(submitted.status == 201, "\(submitted.text)")
        let caseId = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String)
        let generated = (submitted.json["materials"] as? [[String: Any]] ?? []).filter { ["consultationRecord", "fairCompetitionAndFunding"].contains($0["kind"] as? String ?? "") }
        #expect(generated.count == 2)
        for (path, body) in [("accept", nil), ("complete-preliminary", ["conclusion": "初审通过,报市级审定"])] as [(String, [String: String]?)] {
            let result = try await county.call("POST", "/api/v1/cases/\(caseId)/\(path)", token: federation.countyReviewer, json: body)
            #expect(result.status == 200, "\(path): \(result.text)")
        }
        #expect(try await county.call("POST", "/api/v1/cases/\(caseId)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, caseId, token: federation.cityReviewer) == "finalReview" })

        // At the city: the consultation as recorded, and materials (4)(5) byte-exact.
        let atCity = try await city.call("GET", "/api/v1/cases/\(caseId)", token: federation.cityReviewer)
        let consultation = try #require(atCity.json["consultation"] as? [String: Any])
        #expect(consultation["id"] as? String == id)
        let departments = consultation["departments"] as? [[String: Any]] ?? []
        #expect(departments.first { $0["department"] as? String == "德惠市财政局" }?["answeredOn"] as? String == "2026-03-12")
        #expect(departments.first { $0["department"] as? String == "德惠市发展和改革局" }?["answer"] as? String == "agreeWithChanges")
        for material in generated {
            let digest = material["sha256"] as! String
            let bytes = try await city.call("GET", "/api/v1/cases/\(caseId)/materials/\(digest)", token: federation.cityReviewer)
            #expect(bytes.status == 200 && SHA256.hash(data: bytes.data).map { String(format: "%02x", $0) }.joined() == digest)
        }

        // Art 6 at the city: a 论证会, recorded without stopping the clock, cited in the opinion.
        let due = (atCity.json["case"] as? [String: Any])?["dueOn"] as? String
        let session = try await city.call("POST", "/api/v1/cases/\(caseId)/expert-sessions", token: federation.cityReviewer, json: [
            "form": "hearing", "heldOn": "2026-03-12",
            "participants": [["name": "王敏", "unit": "德惠市科学技术局", "field": "drafting"], ["name": "赵磊", "unit": "吉林大学", "field": "expert"],
                             ["name": "孙涛", "unit": "长春市大数据中心", "field": "informationTechnology"]],
            "minutes": "逐项讨论申报条件。", "conclusions": "要素表述规范,同意上线。",
        ])
        #expect(session.status == 201, "\(session.text)")
        let afterSession = try await city.call("GET", "/api/v1/cases/\(caseId)", token: federation.cityReviewer)
        #expect((afterSession.json["case"] as? [String: Any])?["dueOn"] as? String == due)
        let opinion = try await city.call("POST", "/api/v1/cases/\(caseId)/opinion", token: federation.cityReviewer, json: ["outcome": "passed", "requiredChanges": []])
        #expect(opinion.status == 201, "\(opinion.text)")
        #expect(try await eventually { try await federation.state(county, caseId, token: federation.drafter) == "opinionPassed" })
        let received = try await county.call("GET", "/api/v1/cases/\(caseId)/opinion", token: federation.drafter)
        #expect((received.json["basis"] as? [String])?.first?.contains("论证会(3人参加)结论:要素表述规范,同意上线。") == true, "\(received.text)")
        let page = try await county.call("GET", "/api/v1/cases/\(caseId)/opinion.html", token: federation.drafter)
        #expect(page.text.contains("审查依据(第六条)"))
    }
}
