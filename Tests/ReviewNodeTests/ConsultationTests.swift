import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReviewNode
import ReviewProtocol
import ReviewStore
import ReviewTesting
import Testing

/// 上线意见征询 (issue 18) and Art 6 expert sessions, driven in process on a county node.
@Suite struct ConsultationTests {
    static let departments = ["德惠市司法局", "德惠市财政局", "德惠市市场监督管理局", "德惠市发展和改革局"]

    struct Node {
        let node: InProcessNode
        let drafter: String
        let reviewer: String
        /// Department → consultee token.
        let consultees: [String: String]
    }

    static func node() async throws -> Node {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政数局", tier: .county, prefix: "consult")
        let (drafter, reviewer, consultees) = try await node.store.write { db in
            let drafter = try NodeStore.createUser(db, name: "起草员", role: .drafter, unit: "德惠市科学技术局", isCityNode: false).1
            let reviewer = try NodeStore.createUser(db, name: "县审查员", role: .countyReviewer, unit: nil, isCityNode: false).1
            var consultees: [String: String] = [:]
            for department in departments {
                consultees[department] = try NodeStore.createUser(db, name: department + "经办人", role: .consultee, unit: department, isCityNode: false).1
            }
            return (drafter, reviewer, consultees)
        }
        return Node(node: node, drafter: drafter, reviewer: reviewer, consultees: consultees)
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    static func body(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, token: String, _ object: Any? = nil) async throws
        -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/v1/" + path, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                 body: try object.map(body)) { response in (response.status, json(response.body)) }
    }

    /// The clean example without materials (4) and (5), its other materials uploaded.
    static func form(_ client: some TestClientProtocol, token: String) async throws -> [String: Any] {
        var form = try JSONSerialization.jsonObject(with: Fixtures.exampleData("launch-clean.json")) as! [String: Any]
        let materials = (form["materials"] as! [[String: Any]]).filter { !["consultationRecord", "fairCompetitionAndFunding"].contains($0["kind"] as! String) }
        for material in materials {
            try await client.execute(uri: "/api/v1/materials", method: .post, headers: [.authorization: "Bearer \(token)"],
                                     body: ByteBuffer(string: "示例材料:" + (material["title"] as! String))) { response in
                #expect(response.status == .created)
            }
        }
        form["materials"] = materials
        return form
    }

    static var asks: [[String: Any]] { [
        ["department": "德惠市司法局"],
        ["department": "德惠市财政局", "topic": "funding"],
        ["department": "德惠市市场监督管理局", "topic": "fairCompetition"],
        ["department": "德惠市发展和改革局"],
    ] }

    @Test func fourDepartmentsOneWithChangesOneLateCompileMaterialsFourAndFive() async throws {
        let setup = try await Self.node()
        defer { setup.node.cleanUp() }
        let monday = Fixtures.date("2026-03-02")
        let (consultationId, formData) = try await setup.node.application(today: monday).test(.router) { client in
            let form = try await Self.form(client, token: setup.drafter)
            let (status, opened) = try await Self.call(client, .post, "consultations", token: setup.drafter,
                                                       ["form": form, "departments": Self.asks])
            #expect(status == .created)
            let summary = opened["consultation"] as? [String: Any] ?? [:]
            let consultationId = summary["id"] as? String ?? ""
            #expect(consultationId == "220183-ZX-2026-0001")
            // Five working days (default): 2026-03-09.
            #expect((summary["departments"] as? [[String: Any]])?.allSatisfy { $0["dueOn"] as? String == "2026-03-09" } == true)

            // Each department sees its own request; the drafter may not answer; bad answers change nothing.
            let (_, listed) = try await Self.call(client, .get, "consultations", token: setup.consultees["德惠市司法局"]!)
            #expect((listed["consultations"] as? [Any])?.count == 1)
            #expect(try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.drafter, ["answer": "agree"]).0 == .forbidden)
            let (missing, error) = try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.consultees["德惠市发展和改革局"]!,
                                                       ["answer": "agreeWithChanges"])
            #expect(missing == .unprocessableContent)
            #expect((error["error"] as? [String: Any])?["field"] as? String == "changes")
            let (untyped, _) = try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.consultees["德惠市市场监督管理局"]!,
                                                   ["answer": "agree"])
            #expect(untyped == .unprocessableContent)

            #expect(try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.consultees["德惠市司法局"]!,
                                        ["answer": "agree"]).0 == .ok)
            #expect(try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.consultees["德惠市发展和改革局"]!,
                                        ["answer": "agreeWithChanges",
                                         "changes": [["itemIndex": 0, "element": "applicationWindow", "change": "申报时限写明起止日期"]]]).0 == .ok)
            #expect(try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.consultees["德惠市市场监督管理局"]!,
                                        ["answer": "agree", "fairCompetition": ["conclusion": "noRestriction", "basis": "《公平竞争审查制度实施细则》"]]).0 == .ok)
            // Not everyone has answered: no submission yet.
            var withConsultation = form
            withConsultation["consultationId"] = consultationId
            let (early, earlyError) = try await Self.call(client, .post, "cases", token: setup.drafter, withConsultation)
            #expect(early == .conflict)
            #expect((earlyError["error"] as? [String: Any])?["code"] as? String == "consultation-incomplete")
            return (consultationId, try JSONSerialization.data(withJSONObject: form))
        }
        // 财政局 answers after its deadline: taken, and marked.
        let late = Fixtures.date("2026-03-12")
        try await setup.node.application(today: late).test(.router) { client in
            let form = try JSONSerialization.jsonObject(with: formData) as! [String: Any]
            let (_, before) = try await Self.call(client, .get, "consultations/\(consultationId)", token: setup.drafter)
            #expect(before["overdueDepartments"] as? [String] == ["德惠市财政局"])
            let (status, answered) = try await Self.call(client, .post, "consultations/\(consultationId)/answer", token: setup.consultees["德惠市财政局"]!,
                                                         ["answer": "agree", "funding": ["conclusion": "同意从市本级财政预算安排", "basis": "2026年部门预算",
                                                                                          "source": "市本级财政预算", "amount": "500万元"]])
            #expect(status == .ok)
            let summary = answered["consultation"] as? [String: Any] ?? [:]
            let recordDigest = try #require(summary["recordSha256"] as? String)
            let opinionsDigest = try #require(summary["opinionsSha256"] as? String)
            #expect(try await Self.call(client, .post, "consultations/\(consultationId)/responses", token: setup.drafter,
                                        ["department": "德惠市发展和改革局", "response": "已采纳,申报时限已写明起止日期"]).0 == .ok)

            var withConsultation = form
            withConsultation["consultationId"] = consultationId
            let (submitted, detail) = try await Self.call(client, .post, "cases", token: setup.drafter, withConsultation)
            #expect(submitted == .created)
            let caseId = try #require((detail["case"] as? [String: Any])?["id"] as? String)
            let materials = detail["materials"] as? [[String: Any]] ?? []
            let record = try #require(materials.first { $0["kind"] as? String == "consultationRecord" })
            let opinions = try #require(materials.first { $0["kind"] as? String == "fairCompetitionAndFunding" })
            // The response was recorded after compilation: the page was regenerated with it.
            #expect(record["sha256"] as? String != recordDigest)
            #expect(opinions["sha256"] as? String == opinionsDigest)
            let carried = detail["consultation"] as? [String: Any] ?? [:]
            #expect(carried["id"] as? String == consultationId)
            let finance = (carried["departments"] as? [[String: Any]])?.first { $0["department"] as? String == "德惠市财政局" }
            #expect(finance?["answeredOn"] as? String == "2026-03-12")

            // The generated pages are byte-exact with their digests and say what was answered.
            for material in [record, opinions] {
                let digest = material["sha256"] as! String
                try await client.execute(uri: "/api/v1/cases/\(caseId)/materials/\(digest)", method: .get,
                                         headers: [.authorization: "Bearer \(setup.drafter)"]) { response in
                    #expect(response.status == .ok)
                    let bytes = Data(response.body.readableBytesView)
                    #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == digest)
                    let text = String(decoding: bytes, as: UTF8.self)
                    if material["kind"] as? String == "consultationRecord" {
                        #expect(text.contains("修改后同意") && text.contains("逾期答复") && text.contains("已采纳,申报时限已写明起止日期"))
                    } else {
                        #expect(text.contains("不含排除、限制竞争内容") && text.contains("500万元"))
                    }
                }
            }
            // Submitted: the consultation is closed.
            #expect(try await Self.call(client, .post, "consultations/\(consultationId)/responses", token: setup.drafter,
                                        ["department": "德惠市司法局", "response": "无"]).0 == .conflict)
        }
    }

    @Test func aDisagreementBlocksSubmissionUntilOverriddenWithAReason() async throws {
        let setup = try await Self.node()
        defer { setup.node.cleanUp() }
        try await setup.node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            let form = try await Self.form(client, token: setup.drafter)
            let (_, opened) = try await Self.call(client, .post, "consultations", token: setup.drafter,
                                                  ["form": form, "departments": [["department": "德惠市司法局"]]])
            let id = try #require((opened["consultation"] as? [String: Any])?["id"] as? String)
            // A material named by a digest nobody uploaded is refused, naming it; nothing is opened.
            var unuploaded = form
            var materials = form["materials"] as! [[String: Any]]
            materials[1]["sha256"] = String(repeating: "ab", count: 32)
            unuploaded["materials"] = materials
            let (refused, refusal) = try await Self.call(client, .post, "consultations", token: setup.drafter,
                                                         ["form": unuploaded, "departments": [["department": "德惠市司法局"]]])
            #expect(refused == .unprocessableContent)
            #expect((refusal["error"] as? [String: Any])?["field"] as? String == "form.materials[1].sha256")
            #expect((try await Self.call(client, .get, "consultations", token: setup.drafter).1["consultations"] as? [Any])?.count == 1)
            // A consulted department sees no case (it answers consultations only).
            #expect(try await Self.call(client, .get, "cases", token: setup.consultees["德惠市司法局"]!).0 == .forbidden)
            #expect(try await Self.call(client, .get, "cases?limit=1", token: setup.consultees["德惠市财政局"]!).0 == .forbidden)
            // Another department cannot see it.
            #expect(try await Self.call(client, .get, "consultations/\(id)", token: setup.consultees["德惠市财政局"]!).0 == .notFound)
            #expect(try await Self.call(client, .post, "consultations/\(id)/answer", token: setup.consultees["德惠市司法局"]!,
                                        ["answer": "disagree"]).0 == .unprocessableContent)
            #expect(try await Self.call(client, .post, "consultations/\(id)/answer", token: setup.consultees["德惠市司法局"]!,
                                        ["answer": "disagree", "reasons": "第三条设定的申报条件缺乏上位法依据"]).0 == .ok)
            #expect(try await Self.call(client, .post, "consultations/\(id)/answer", token: setup.consultees["德惠市司法局"]!,
                                        ["answer": "agree"]).0 == .conflict)
            var withConsultation = form
            withConsultation["consultationId"] = id
            let (blocked, error) = try await Self.call(client, .post, "cases", token: setup.drafter, withConsultation)
            #expect(blocked == .conflict)
            #expect((error["error"] as? [String: Any])?["code"] as? String == "consultation-disagreement")
            #expect(try await Self.call(client, .post, "consultations/\(id)/override", token: setup.drafter, ["reason": " "]).0 == .unprocessableContent)
            #expect(try await Self.call(client, .post, "consultations/\(id)/override", token: setup.drafter,
                                        ["reason": "申报条件依据市政府常务会议纪要,已与司法局沟通"]).0 == .ok)
            let (submitted, detail) = try await Self.call(client, .post, "cases", token: setup.drafter, withConsultation)
            #expect(submitted == .created)
            #expect((detail["consultation"] as? [String: Any])?["overrideReason"] as? String == "申报条件依据市政府常务会议纪要,已与司法局沟通")
            // Used once.
            #expect(try await Self.call(client, .post, "cases", token: setup.drafter, withConsultation).0 == .conflict)
        }
    }

    @Test func aCountyExpertSessionIsAnEventAndDoesNotStopTheClock() async throws {
        let setup = try await Self.node()
        defer { setup.node.cleanUp() }
        try await setup.node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            var form = try await Self.form(client, token: setup.drafter)
            // Materials (4)(5) uploaded as before, without a consultation.
            var full = try JSONSerialization.jsonObject(with: Fixtures.exampleData("launch-clean.json")) as! [String: Any]
            for material in (full["materials"] as! [[String: Any]]) where ["consultationRecord", "fairCompetitionAndFunding"].contains(material["kind"] as! String) {
                try await client.execute(uri: "/api/v1/materials", method: .post, headers: [.authorization: "Bearer \(setup.drafter)"],
                                         body: ByteBuffer(string: "示例材料:" + (material["title"] as! String))) { #expect($0.status == .created) }
            }
            form = full
            full = [:]
            let (_, detail) = try await Self.call(client, .post, "cases", token: setup.drafter, form)
            let caseId = try #require((detail["case"] as? [String: Any])?["id"] as? String)
            let (_, accepted) = try await Self.call(client, .post, "cases/\(caseId)/accept", token: setup.reviewer)
            let due = (accepted["case"] as? [String: Any])?["dueOn"] as? String
            let upload = try await client.execute(uri: "/api/v1/materials", method: .post, headers: [.authorization: "Bearer \(setup.reviewer)"],
                                                  body: ByteBuffer(string: "论证会签到表")) { Self.json($0.body) }
            let session: [String: Any] = [
                "form": "hearing", "heldOn": "2026-03-02",
                "participants": [["name": "王敏", "unit": "德惠市科学技术局", "field": "drafting"],
                                 ["name": "李强", "unit": "德惠市政务服务中心", "field": "administrativeApproval"],
                                 ["name": "赵磊", "unit": "吉林大学", "field": "expert"]],
                "minutes": "逐项讨论申报条件与兑现方式。", "conclusions": "申报条件表述清晰,建议兑现方式补充免申即享。",
                "attachments": [["kind": "other", "title": "签到表", "fileName": "签到表.pdf", "sha256": upload["sha256"] as! String]],
            ]
            #expect(try await Self.call(client, .post, "cases/\(caseId)/expert-sessions", token: setup.drafter, session).0 == .forbidden)
            var future = session
            future["heldOn"] = "2026-03-03"
            let (bad, error) = try await Self.call(client, .post, "cases/\(caseId)/expert-sessions", token: setup.reviewer, future)
            #expect(bad == .unprocessableContent)
            #expect((error["error"] as? [String: Any])?["field"] as? String == "heldOn")
            // Break-it findings: a date before the case was submitted (year 1), the same participant
            // 5,000 times, a NUL in the minutes — each refused, naming its field.
            var ancient = session
            ancient["heldOn"] = "0001-01-01"
            var crowd = session
            crowd["participants"] = Array(repeating: ["name": "王敏", "unit": "德惠市科学技术局", "field": "drafting"], count: 5_000)
            var twice = session
            twice["participants"] = Array(repeating: ["name": "王敏", "unit": "德惠市科学技术局", "field": "drafting"], count: 2)
            var control = session
            control["minutes"] = "逐项讨论\u{0}申报条件"
            for (hostile, field) in [(ancient, "heldOn"), (crowd, "participants"), (twice, "participants[1].name"), (control, "minutes")] {
                let (status, refusal) = try await Self.call(client, .post, "cases/\(caseId)/expert-sessions", token: setup.reviewer, hostile)
                #expect(status == .unprocessableContent, "\(field)")
                #expect((refusal["error"] as? [String: Any])?["field"] as? String == field)
            }
            let (created, recorded) = try await Self.call(client, .post, "cases/\(caseId)/expert-sessions", token: setup.reviewer, session)
            #expect(created == .created)
            #expect(recorded["number"] as? Int == 1)
            let (_, after) = try await Self.call(client, .get, "cases/\(caseId)", token: setup.drafter)
            #expect((after["case"] as? [String: Any])?["dueOn"] as? String == due)
            #expect((after["case"] as? [String: Any])?["clockStopped"] as? Bool == false)
            #expect((after["events"] as? [[String: Any]])?.contains { $0["action"] as? String == "recordExpertSession" } == true)
            #expect((after["expertSessions"] as? [[String: Any]])?.count == 1)
            #expect((after["materials"] as? [[String: Any]])?.contains { ($0["title"] as? String)?.hasPrefix("论证会材料") == true } == true)
        }
    }
}
