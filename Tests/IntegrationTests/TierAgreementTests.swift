import Foundation
import ReviewProtocol
import ReviewTesting
import Testing

/// Both tiers agree on every case (integrity issue): the smaller defects, each on real nodes.
@Suite(.serialized) struct TierAgreementTests {
    func caseField(_ result: HTTPResult, _ key: String) -> Any? { (result.json["case"] as? [String: Any])?[key] }

    @Test func aPartialSupplyKeepsTheCaseWaitingForTheRest() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.cleanUp() }
        let drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let reviewer = try county.addUser(name: "县审查员", role: "countyReviewer")
        var form = try CaseForms.clean()
        let all = form["materials"] as! [[String: Any]]
        form["materials"] = Array(all.prefix(2))
        try await CaseForms.uploadMaterials(of: ["materials": all], to: county, token: drafter)
        let submitted = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
        let id = try #require(caseField(submitted, "id") as? String, "\(submitted.text)")
        let notice = try await county.call("POST", "/api/v1/cases/\(id)/materials-notice", token: reviewer)
        #expect(caseField(notice, "state") as? String == "awaitingMaterials")

        // Two of the three: still waiting, and the case says which one is missing.
        let partly = try await county.call("POST", "/api/v1/cases/\(id)/materials", token: drafter, json: ["materials": Array(all[2...3])])
        #expect(partly.status == 200, "\(partly.text)")
        #expect(caseField(partly, "state") as? String == "awaitingMaterials")
        #expect(partly.json["missingMaterials"] as? [String] == ["fairCompetitionAndFunding"])
        // The third completes it; acceptance needs no new notice.
        let rest = try await county.call("POST", "/api/v1/cases/\(id)/materials", token: drafter, json: ["materials": [all[4]]])
        #expect(rest.status == 200, "\(rest.text)")
        #expect(caseField(rest, "state") as? String == "submitted")
        #expect((rest.json["missingMaterials"] as? [String])?.isEmpty == true)
        let accepted = try await county.call("POST", "/api/v1/cases/\(id)/accept", token: reviewer)
        #expect(caseField(accepted, "state") as? String == "preliminaryReview", "\(accepted.text)")
    }

    @Test func summariesFollowTheCurrentRevisionAtBothTiers() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let id = try await federation.readyCase()
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        let finding: [String: Any] = ["code": "document-number-format", "path": "policy.documentNumber", "message": "文号格式不规范"]
        let notice = try await city.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: federation.cityReviewer, json: ["findings": [finding]])
        #expect(notice.status == 200, "\(notice.text)")
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "citySupplementRequested" })
        // The drafter's answer changes the 文号 and the title.
        var form = try CaseForms.clean()
        form["policy"] = (form["policy"] as! [String: Any]).merging(["documentNumber": "德府办发〔2026〕9号", "title": "德惠市支持中小微企业创新发展若干措施(修订)"]) { $1 }
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: federation.drafter, json: form).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        for (node, token) in [(county, federation.countyReviewer), (city, federation.cityReviewer)] {
            let list = try await node.call("GET", "/api/v1/cases", token: token)
            let summary = try #require((list.json["cases"] as? [[String: Any]])?.first { $0["id"] as? String == id })
            #expect(summary["documentNumber"] as? String == "德府办发〔2026〕9号")
            #expect(summary["title"] as? String == "德惠市支持中小微企业创新发展若干措施(修订)")
            let ledger = try await node.call("GET", "/api/v1/ledger.csv", token: token)
            #expect(ledger.text.contains("德府办发〔2026〕9号") && !ledger.text.contains("德府办发〔2026〕3号"))
        }
    }

    @Test func theOverdueFilterAndFieldAgree() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let id = try await federation.readyCase()
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        let opinion = try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: federation.cityReviewer, json: [
            "outcome": "notPassed", "requiredChanges": [["itemIndex": 0, "element": "consultation", "change": "补充咨询时间"]],
        ])
        #expect(opinion.status == 201, "\(opinion.text)")
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "opinionNotPassed" })
        // Ten working days later the Art 9 revision is overdue; the review is not.
        try county.restart(today: "2026-03-20")
        let list = try await county.call("GET", "/api/v1/cases", token: federation.countyReviewer)
        let summary = try #require((list.json["cases"] as? [[String: Any]])?.first)
        #expect(summary["revisionOverdue"] as? Bool == true)
        #expect(summary["overdue"] as? Bool == false)
        let overdue = try await county.call("GET", "/api/v1/cases?overdue=true", token: federation.countyReviewer)
        #expect((overdue.json["cases"] as? [Any])?.isEmpty == true)
        let revisionOverdue = try await county.call("GET", "/api/v1/cases?revisionOverdue=true", token: federation.countyReviewer)
        #expect((revisionOverdue.json["cases"] as? [Any])?.count == 1)
        #expect(try await county.call("GET", "/api/v1/cases?revisionOverdue=maybe", token: federation.countyReviewer).errorField == "revisionOverdue")
    }

    @Test func aDisabledCityLinkQueuesAndTheChecksSaySo() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let countyOperator = try county.addUser(name: "县运维", role: "operator")
        try NodeProcess.reviewctl(["link", "disable", "--data-dir", county.dataDirectory.path, "220100"])
        let id = try await federation.readyCase()
        // Forwarding queues; nothing leaves while the link is disabled.
        let forwarded = try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer)
        #expect(forwarded.status == 200, "\(forwarded.text)")
        #expect(try await federation.queueDepth(county, token: countyOperator) == 1)
        let check = try CommandRunner.run(NodeProcess.binaries.appendingPathComponent("reviewctl"),
                                          ["link", "check", "--node", county.baseURL.absoluteString, "--token", countyOperator, "220100"])
        #expect(check.status != 0)
        #expect(check.stderr.contains("disabled"))
        try NodeProcess.reviewctl(["link", "enable", "--data-dir", county.dataDirectory.path, "220100"])
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        #expect(try await federation.queueDepth(county, token: countyOperator) == 0)

        // The card from the data directory alone equals the one from the configuration.
        let fromData = try NodeProcess.reviewctl(["link", "export", "--data-dir", county.dataDirectory.path])
        let fromConfig = try NodeProcess.reviewctl(["link", "export", "--node-config", county.configFile.path, "--base-url", county.baseURL.absoluteString])
        let a = try JSONSerialization.jsonObject(with: Data(fromData.utf8)) as? [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(fromConfig.utf8)) as? [String: Any]
        #expect(a?["publicKey"] as? String == b?["publicKey"] as? String)
        #expect(a?["nodeId"] as? String == "220183" && a?["name"] as? String == "德惠市政务服务和数字化建设管理局")
        #expect(a?["baseURL"] as? String == county.baseURL.absoluteString)
    }
}
