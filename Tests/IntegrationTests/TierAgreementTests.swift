import Crypto
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

    // MARK: An opinion nobody can forge

    @Test func anOpinionVerifiesOnlyAsSignedAndOnlyWithTheIssuersKeyOfItsDate() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let id = try await federation.readyCase()
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        let issued = try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: federation.cityReviewer, json: [
            "outcome": "notPassed", "requiredChanges": [["itemIndex": 0, "element": "consultation", "change": "补充咨询时间"]],
        ])
        #expect(issued.status == 201, "\(issued.text)")
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "opinionNotPassed" })
        let detail = try await county.call("GET", "/api/v1/cases/\(id)", token: federation.drafter)
        let folder = county.dataDirectory
        let reviewctl = NodeProcess.binaries.appendingPathComponent("reviewctl")
        func verify(_ json: [String: Any], _ trust: [String]) throws -> CommandRunner.Result {
            let file = folder.appendingPathComponent("case-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: json).write(to: file)
            return try CommandRunner.run(reviewctl, ["opinion", "verify", file.path] + trust)
        }
        let byCounty = ["--data-dir", county.dataDirectory.path]
        let genuine = try verify(detail.json, byCounty)
        #expect(genuine.status == 0, "\(genuine.stdout)\(genuine.stderr)")
        #expect(genuine.stdout.contains("(current)") && genuine.stdout.contains("长春市政务服务和数字化建设管理局"))

        // The shown outcome edited to passed, the signed bytes untouched: refused.
        var edited = detail.json
        var shown = try #require(edited["opinion"] as? [String: Any])
        shown["outcome"] = "passed"
        edited["opinion"] = shown
        let display = try verify(edited, byCounty)
        #expect(display.status == 1 && display.stdout.contains("differs from the signed one"), "\(display.stdout)")

        // Self-signed with a fresh key (the key travels in the file): refused, the key is unknown.
        var forged = detail.json
        var signature = try #require(forged["opinionSignature"] as? [String: Any])
        let signedBytes = try #require(Data(base64Encoded: signature["opinion"] as! String))
        var opinionObject = try #require(try JSONSerialization.jsonObject(with: signedBytes) as? [String: Any])
        opinionObject["outcome"] = "passed"
        opinionObject["requiredChanges"] = []
        let forgedBytes = try JSONSerialization.data(withJSONObject: opinionObject, options: [.sortedKeys])
        let fresh = Curve25519.Signing.PrivateKey()
        signature["opinion"] = forgedBytes.base64EncodedString()
        signature["signature"] = try fresh.signature(for: forgedBytes).base64EncodedString()
        signature["signerPublicKey"] = fresh.publicKey.rawRepresentation.base64EncodedString()
        forged["opinionSignature"] = signature
        forged["opinion"] = opinionObject
        let selfSigned = try verify(forged, byCounty)
        #expect(selfSigned.status == 1 && selfSigned.stdout.contains("is not a known key of node 220100"), "\(selfSigned.stdout)")

        // A county signs a "passed" opinion for its own case with its own key: a county's key
        // issues no opinion.
        let countyKeyText = try String(contentsOf: county.dataDirectory.appendingPathComponent("node.key"), encoding: .utf8)
        let countyKey = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(base64Encoded: countyKeyText.trimmingCharacters(in: .whitespacesAndNewlines))!)
        var byCountyObject = try #require(try JSONSerialization.jsonObject(with: signedBytes) as? [String: Any])
        byCountyObject["issuerNode"] = "220183"
        byCountyObject["outcome"] = "passed"
        let byCountyBytes = try JSONSerialization.data(withJSONObject: byCountyObject, options: [.sortedKeys])
        var countySigned = detail.json
        var countySignature = try #require(countySigned["opinionSignature"] as? [String: Any])
        countySignature["opinion"] = byCountyBytes.base64EncodedString()
        countySignature["signature"] = try countyKey.signature(for: byCountyBytes).base64EncodedString()
        countySignature["signerPublicKey"] = countyKey.publicKey.rawRepresentation.base64EncodedString()
        countySigned["opinionSignature"] = countySignature
        countySigned["opinion"] = byCountyObject
        let notACity = try verify(countySigned, byCounty)
        #expect(notACity.status == 1 && notACity.stdout.contains("only a city's key issues opinions"), "\(notACity.stdout)")

        // The city re-keys: link list keeps both fingerprints; the old opinion still verifies with the
        // keyring an outsider gets, naming the old key's period.
        let cityOperator = federation.cityOperator
        let rekey = try await city.call("POST", "/api/v1/federation/rekey", token: cityOperator, json: ["graceHours": 1])
        #expect(rekey.status == 200, "\(rekey.text)")
        #expect(try await eventually {
            try NodeProcess.reviewctl(["link", "list", "--data-dir", county.dataDirectory.path]).components(separatedBy: "  key ").count == 3
        })
        let keyring = folder.appendingPathComponent("keyring.json")
        try Data(try NodeProcess.reviewctl(["keys", "export", "--data-dir", county.dataDirectory.path]).utf8).write(to: keyring)
        let afterRekey = try verify(detail.json, ["--keyring", keyring.path])
        #expect(afterRekey.status == 0 && afterRekey.stdout.contains(" to 20"), "\(afterRekey.stdout)\(afterRekey.stderr)")
        let apiKeyring = try await county.call("GET", "/api/v1/federation/keys", token: federation.drafter)
        #expect((apiKeyring.json["keys"] as? [[String: Any]])?.filter { $0["nodeId"] as? String == "220100" }.count == 2)

        // An opinion signed with the retired key but dated after its retirement: refused.
        let oldKeyText = try String(contentsOf: city.dataDirectory.appendingPathComponent("node.key.previous"), encoding: .utf8)
        let oldKey = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(base64Encoded: oldKeyText.trimmingCharacters(in: .whitespacesAndNewlines))!)
        var late = try #require(try JSONSerialization.jsonObject(with: signedBytes) as? [String: Any])
        late["issuedOn"] = "2099-01-01"
        let lateBytes = try JSONSerialization.data(withJSONObject: late, options: [.sortedKeys])
        var backdated = detail.json
        var lateSignature = try #require(backdated["opinionSignature"] as? [String: Any])
        lateSignature["opinion"] = lateBytes.base64EncodedString()
        lateSignature["signature"] = try oldKey.signature(for: lateBytes).base64EncodedString()
        backdated["opinionSignature"] = lateSignature
        backdated["opinion"] = late
        let expired = try verify(backdated, ["--keyring", keyring.path])
        #expect(expired.status == 1 && expired.stdout.contains("was not 220100's key on 2099-01-01"), "\(expired.stdout)")

        // The printed opinion tells whoever holds it how to check it, at either tier.
        let page = try await city.call("GET", "/api/v1/cases/\(id)/opinion.html", token: federation.cityReviewer)
        #expect(!page.text.contains("在县级节点") && page.text.contains("--keyring"))
    }

    // MARK: Logs that check each other

    /// Rewrites the city's history as an insider would: edits the first event and re-chains every
    /// hash after it, so that the city's own check passes (python3's sqlite3, the node stopped).
    static let rewriteHistory = #"""
    import hashlib, sqlite3, sys
    db = sqlite3.connect(sys.argv[1])
    db.executescript("DROP TRIGGER eventNoUpdate; DROP TRIGGER eventNoDelete;")
    rows = db.execute("SELECT seq, caseId, actor, action, at, payload FROM event ORDER BY seq").fetchall()
    previous = "0" * 64
    for index, (seq, case, actor, action, at, payload) in enumerate(rows):
        if index == 0:
            payload = payload.replace("}", ',"rewritten":"yes"}') if payload != "{}" else '{"rewritten":"yes"}'
        digest = hashlib.sha256(payload.encode()).hexdigest()
        fields = "\x1f".join([previous, case or "", actor, action, at, digest])
        hash = hashlib.sha256(fields.encode()).hexdigest()
        db.execute("UPDATE event SET payload = ?, payloadDigest = ?, previousHash = ?, hash = ? WHERE seq = ?", (payload, digest, previous, hash, seq))
        previous = hash
    db.commit()
    """#

    @Test func aPeerDetectsRewrittenHistory() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let countyOperator = try county.addUser(name: "县运维", role: "operator")
        for id in try await federation.readyCases(2) {
            #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        }
        #expect(try await eventually { try await federation.count(county, token: federation.countyReviewer, state: "forwarded") == 2 })
        // The city's receipts (each carrying its chain head) reached the county.
        #expect(try await eventually {
            let atCity = try await federation.count(city, token: federation.cityReviewer)
            let queued = try await federation.queueDepth(city, token: federation.cityOperator)
            return atCity == 2 && queued == 0
        })
        let reviewctl = NodeProcess.binaries.appendingPathComponent("reviewctl")
        let arguments = ["audit", "verify", "--peer", "220100", "--node", county.baseURL.absoluteString, "--token", countyOperator]
        let honest = try CommandRunner.run(reviewctl, arguments)
        #expect(honest.status == 0 && honest.stdout.contains("holds all"), "\(honest.stdout)\(honest.stderr)")

        city.stop()
        let script = city.dataDirectory.appendingPathComponent("rewrite.py")
        try Data(Self.rewriteHistory.utf8).write(to: script)
        let rewrite = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, city.dataDirectory.appendingPathComponent("node.sqlite").path])
        #expect(rewrite.status == 0, "\(rewrite.stderr)")
        try city.start()
        // The city's own check is fooled: the chain was re-hashed.
        #expect(try NodeProcess.reviewctl(["audit", "verify", "--data-dir", city.dataDirectory.path]).hasPrefix("event chain intact"))
        // The county is not: the heads the city sent it are gone from the city's log.
        let caught = try CommandRunner.run(reviewctl, arguments)
        #expect(caught.status == 1 && caught.stderr.contains("history was rewritten"), "\(caught.stdout)\(caught.stderr)")
        let status = try await county.call("GET", "/api/v1/federation/status", token: countyOperator)
        let link = try #require((status.json["links"] as? [[String: Any]])?.first)
        #expect(link["lastAuditOK"] as? Bool == false)
        let page = try await ConsoleSession.signIn(county.baseURL, token: countyOperator).get("/console/operator")
        #expect(page.text.contains("日志互查未通过"))
        let log = try String(contentsOf: county.dataDirectory.appendingPathComponent("node.log"), encoding: .utf8)
        #expect(log.contains("peer log cross-check FAILED"))
    }

    @Test func theCountysRoundsReachTheCityAsIssued() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        var form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: county, token: federation.drafter)
        let submitted = try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: form)
        let id = try #require(caseField(submitted, "id") as? String)
        _ = try await county.call("POST", "/api/v1/cases/\(id)/accept", token: federation.countyReviewer)
        func finding(_ element: String, _ message: String) -> [String: Any] {
            ["code": "reviewer-note", "itemIndex": 0, "element": element, "path": "serviceItems[0].\(element)", "message": message]
        }
        let first = try await county.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: federation.countyReviewer,
                                          json: ["findings": [finding("penalty", "处罚依据不明确"), finding("consultation", "缺少咨询时间")]])
        #expect(first.status == 200, "\(first.text)")
        form = CaseForms.setting(form, item: 0, "consultation", [["unit": "德惠市科学技术局(工作日8:30-16:30)", "phone": "0431-87221234"]])
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: federation.drafter, json: form).status == 200)
        // Round 2 repeats a problem on the unchanged element, with the reviewer's reason.
        let second = try await county.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: federation.countyReviewer,
                                           json: ["findings": [finding("penalty", "处罚依据仍不明确")],
                                                  "repeatReasons": ["serviceItems[0].penalty": "上一轮修改未涉及该要素,问题仍存在"]])
        #expect(second.status == 200, "\(second.text)")
        form = CaseForms.setting(form, item: 0, "penalty", "由德惠市科学技术局依照《财政违法行为处罚处分条例》处理")
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: federation.drafter, json: form).status == 200)
        _ = try await county.call("POST", "/api/v1/cases/\(id)/complete-preliminary", token: federation.countyReviewer, json: ["conclusion": "初审通过"])
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        let atCity = try await city.call("GET", "/api/v1/cases/\(id)", token: federation.cityReviewer)
        let notices = try #require(atCity.json["notices"] as? [[String: Any]])
        #expect(notices.map { $0["round"] as? Int } == [1, 2])
        #expect(notices.map { ($0["findings"] as? [Any])?.count } == [2, 1])
        #expect((notices.last?["repeatReasons"] as? [String: String])?["serviceItems[0].penalty"] == "上一轮修改未涉及该要素,问题仍存在")
    }

    // MARK: Art 15: the city sees the counties' own work

    @Test func theCitySeesACountysBacklogThatWasNeverForwarded() async throws {
        let city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2026-03-02")
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02",
                                     configuration: ["countyReportSeconds": 0.3])
        defer {
            city.cleanUp()
            county.cleanUp()
        }
        try NodeProcess.link(city, county)
        let drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let reviewer = try county.addUser(name: "县审查员", role: "countyReviewer")
        let supervisor = try city.addUser(name: "监督员", role: "supervisor")
        let form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: county, token: drafter)
        func submit(_ form: [String: Any]) async throws -> String {
            let answer = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
            return try #require(caseField(answer, "id") as? String, "\(answer.text)")
        }
        _ = try await submit(form)                                                   // submitted, never accepted
        let accepted = try await submit(form)                                        // under preliminary review
        _ = try await county.call("POST", "/api/v1/cases/\(accepted)/accept", token: reviewer)
        var short = form
        short["materials"] = Array((form["materials"] as! [[String: Any]]).prefix(3))
        let waiting = try await submit(short)                                        // waiting for materials
        _ = try await county.call("POST", "/api/v1/cases/\(waiting)/materials-notice", token: reviewer)
        let forwarded = try await submit(form)                                       // forwarded to the city
        _ = try await county.call("POST", "/api/v1/cases/\(forwarded)/accept", token: reviewer)
        _ = try await county.call("POST", "/api/v1/cases/\(forwarded)/complete-preliminary", token: reviewer, json: ["conclusion": "初审通过"])
        #expect(try await county.call("POST", "/api/v1/cases/\(forwarded)/forward", token: reviewer).status == 200)

        func countyRow() async throws -> [String] {
            let csv = try await ConsoleSession.signIn(city.baseURL, token: supervisor).get("/console/supervision.csv?from=2026-01-01&to=2026-12-31").text
            let lines = csv.components(separatedBy: "\r\n")
            return lines.first { $0.contains(",220183,") && lines.firstIndex(of: $0)! > (lines.firstIndex { $0.hasPrefix("县级初审情况") } ?? Int.max) }?
                .components(separatedBy: ",") ?? []
        }
        // The county's own ledger, counted the same way.
        func ownFigures() async throws -> (held: Int, backlog: Int, overdue: Int, forwarded: Int) {
            let ledger = try await county.call("GET", "/api/v1/ledger?limit=1000", token: reviewer)
            let entries = try #require(ledger.json["entries"] as? [[String: Any]])
            let open = entries.filter { ["submitted", "awaitingMaterials", "accepted", "preliminaryReview", "supplementRequested", "readyToForward"].contains($0["state"] as? String) }
            // Overdue at the county: still there, with its Art 8 deadline passed (YYYY-MM-DD compare).
            let today = county.today ?? ""
            let overdue = open.filter { ($0["dueOn"] as? String).map { $0 < today } ?? false }
            return (entries.count, open.count, overdue.count, entries.filter { $0["state"] as? String == "forwarded" }.count)
        }
        #expect(try await eventually {
            let row = try await countyRow()
            return row.count > 5 && row[2] == "4" && row[5] == "1"
        })
        var row = try await countyRow()
        var own = try await ownFigures()
        #expect(Array(row[2...5]) == [String(own.held), String(own.backlog), String(own.overdue), String(own.forwarded)], "\(row) vs \(own)")
        #expect(Array(row[2...5]) == ["4", "3", "0", "1"])
        #expect(row[8] == "1", "one materials round")

        // Three weeks on, the accepted case is overdue at the county: the city says so too.
        county.stop()
        city.stop()
        county.today = "2026-03-20"
        city.today = "2026-03-20"
        try county.start()
        try city.start()
        row = try await countyRow()
        own = try await ownFigures()
        #expect(Array(row[2...5]) == [String(own.held), String(own.backlog), String(own.overdue), String(own.forwarded)], "\(row) vs \(own)")
        #expect(row[4] == "1")
        let page = try await ConsoleSession.signIn(city.baseURL, token: supervisor).get("/console/supervision?from=2026-01-01&to=2026-12-31")
        #expect(page.text.contains("县级初审情况") && page.text.contains("德惠市政务服务和数字化建设管理局"))
    }

    // MARK: Art 9 across tiers

    @Test func disagreementCoordinationAndRevisionReachTheIssuingTier() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let id = try await federation.readyCase()
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        #expect(try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: federation.cityReviewer, json: [
            "outcome": "notPassed", "requiredChanges": [["itemIndex": 0, "element": "consultation", "change": "补充咨询时间"]],
        ]).status == 201)
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "opinionNotPassed" })

        // The drafter disagrees: the city, which issued the opinion, sees it and coordinates.
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/disagreement", token: federation.drafter, json: ["reason": "咨询时间已在办事指南中列明"]).status == 200)
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "disagreementRecorded" })
        let atCounty = try await county.call("POST", "/api/v1/cases/\(id)/coordination", token: federation.countyReviewer, json: ["outcome": "x"])
        #expect(atCounty.status == 409 && atCounty.errorCode == "coordination-at-issuer")
        let coordinated = try await city.call("POST", "/api/v1/cases/\(id)/coordination", token: federation.cityReviewer,
                                              json: ["outcome": "经协调,在咨询要素中补充咨询时间"])
        #expect(coordinated.status == 200, "\(coordinated.text)")
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "revising" })
        let countyDetail = try await county.call("GET", "/api/v1/cases/\(id)", token: federation.drafter)
        #expect(countyDetail.json["coordination"] as? String == "经协调,在咨询要素中补充咨询时间")

        // The revision after the opinion reaches the city: both tiers hold the same revision.
        let revised = CaseForms.setting(try CaseForms.clean(), item: 0, "consultation",
                                        [["unit": "德惠市科学技术局(工作日8:30-16:30)", "phone": "0431-87221234"]])
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/revise", token: federation.drafter, json: revised).status == 200)
        #expect(try await eventually {
            let atCity = try await city.call("GET", "/api/v1/cases/\(id)", token: federation.cityReviewer)
            let atCountyNow = try await county.call("GET", "/api/v1/cases/\(id)", token: federation.drafter)
            let cityRevision = (atCity.json["case"] as? [String: Any])?["currentRevision"] as? Int
            return cityRevision != nil && cityRevision == (atCountyNow.json["case"] as? [String: Any])?["currentRevision"] as? Int
        })
        let diff = try await city.call("GET", "/api/v1/cases/\(id)/diff", token: federation.cityReviewer)
        #expect(diff.text.contains("consultation"), "\(diff.text)")

        // The city re-reviews the revision on its own clock; the county waits for the new opinion.
        let reReview = try await city.call("POST", "/api/v1/cases/\(id)/re-review", token: federation.cityReviewer)
        #expect(reReview.status == 200, "\(reReview.text)")
        #expect(caseField(reReview, "state") as? String == "finalReview")
        #expect(caseField(reReview, "dueOn") as? String == (try NodeProcess.reviewctl(["calendar", "add", "2026-03-02", "10"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "forwarded" })
        // The new opinion supersedes the old; both are kept, numbered, at both tiers; then launch.
        #expect(try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: federation.cityReviewer, json: ["outcome": "passed"]).status == 201)
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "opinionPassed" })
        for (node, token) in [(city, federation.cityReviewer), (county, federation.drafter)] {
            let detail = try await node.call("GET", "/api/v1/cases/\(id)", token: token)
            let current = (detail.json["opinion"] as? [String: Any])?["number"] as? [String: Any]
            #expect(current?["sequence"] as? Int == 2 && (detail.json["opinion"] as? [String: Any])?["outcome"] as? String == "passed")
            let old = (detail.json["supersededOpinions"] as? [[String: Any]])?.first
            #expect((old?["number"] as? [String: Any])?["sequence"] as? Int == 1 && old?["outcome"] as? String == "notPassed")
        }
        let launched = try await county.call("POST", "/api/v1/cases/\(id)/launch", token: federation.drafter, json: ["launchDate": "2026-04-01"])
        #expect(caseField(launched, "state") as? String == "launchConfirmed", "\(launched.text)")
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "launchConfirmed" })
    }

    // MARK: Art 13: a policy's whole life

    @Test func aWithdrawalIsLinkedToItsPolicysLaunchAtBothTiers() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let launch = try await federation.readyCase()
        #expect(try await county.call("POST", "/api/v1/cases/\(launch)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, launch, token: federation.cityReviewer) == "finalReview" })
        #expect(try await city.call("POST", "/api/v1/cases/\(launch)/opinion", token: federation.cityReviewer, json: ["outcome": "passed"]).status == 201)
        #expect(try await eventually { try await federation.state(county, launch, token: federation.drafter) == "opinionPassed" })

        var withdrawal = try JSONSerialization.jsonObject(with: Fixtures.exampleData("withdrawal-clean.json")) as! [String: Any]
        var policy = withdrawal["policy"] as! [String: Any]
        policy["draftingUnit"] = "德惠市科学技术局"
        policy["originalCaseId"] = launch
        withdrawal["policy"] = policy
        try await CaseForms.uploadMaterials(of: withdrawal, to: county, token: federation.drafter)
        // Not yet online: the link is refused, naming the field.
        let early = try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: withdrawal)
        #expect(early.status == 422 && early.errorField == "policy.originalCaseId", "\(early.text)")
        #expect(try await county.call("POST", "/api/v1/cases/\(launch)/launch", token: federation.drafter, json: ["launchDate": "2026-04-01"]).status == 200)
        // Art 14: the county's launch confirmation reaches the city, which publishes the item.
        #expect(try await eventually {
            let feed = try await city.call("GET", "/api/v1/published", token: federation.cityReviewer)
            return (feed.json["changes"] as? [[String: Any]])?.map { $0["itemId"] as? String } == [launch]
        })
        #expect(try await county.call("GET", "/api/v1/published", token: federation.countyReviewer).status == 403)
        let submitted = try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: withdrawal)
        let withdrawalId = try #require(caseField(submitted, "id") as? String, "\(submitted.text)")
        // A new policy names no original case.
        var launchForm = try CaseForms.clean()
        launchForm["policy"] = (launchForm["policy"] as! [String: Any]).merging(["originalCaseId": launch]) { $1 }
        #expect(try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: launchForm).errorField == "policy.originalCaseId")

        _ = try await county.call("POST", "/api/v1/cases/\(withdrawalId)/accept", token: federation.countyReviewer)
        _ = try await county.call("POST", "/api/v1/cases/\(withdrawalId)/complete-preliminary", token: federation.countyReviewer, json: ["conclusion": "初审通过"])
        #expect(try await county.call("POST", "/api/v1/cases/\(withdrawalId)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, withdrawalId, token: federation.cityReviewer) == "finalReview" })
        // Both tiers: the original lists the withdrawal, the withdrawal names the original, the ledger shows it
        // (then the publication columns, empty: not published yet).
        for (node, token) in [(county, federation.countyReviewer), (city, federation.cityReviewer)] {
            let original = try await node.call("GET", "/api/v1/cases/\(launch)", token: token)
            #expect(original.json["laterCases"] as? [String] == [withdrawalId])
            let later = try await node.call("GET", "/api/v1/cases/\(withdrawalId)", token: token)
            #expect(later.json["originalCaseId"] as? String == launch)
            let ledger = try await node.call("GET", "/api/v1/ledger.csv", token: token)
            #expect(ledger.text.contains("原上线案件") && ledger.text.components(separatedBy: "\r\n").contains { $0.hasPrefix(withdrawalId) && $0.hasSuffix(",\(launch),,,") })
        }
    }
}
