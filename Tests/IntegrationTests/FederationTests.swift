import Crypto
import Foundation
import ReviewProtocol
import ReviewTesting
import Testing

/// A 长春 city node and 德惠 county node as real processes, linked with link cards.
struct Federation {
    let city: NodeProcess
    let county: NodeProcess
    let cityReviewer: String
    let countyReviewer: String
    let drafter: String
    let cityOperator: String

    init(today: String = "2026-03-02", cityConfiguration: [String: Any] = [:]) throws {
        city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: today, configuration: cityConfiguration)
        county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: today)
        try NodeProcess.link(city, county)
        cityReviewer = try city.addUser(name: "市审查员", role: "cityReviewer")
        cityOperator = try city.addUser(name: "市运维", role: "operator")
        countyReviewer = try county.addUser(name: "县审查员", role: "countyReviewer")
        drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
    }

    func cleanUp() {
        city.cleanUp()
        county.cleanUp()
    }

    /// Submits, accepts and completes the preliminary review of a county case; returns its id.
    func readyCase(title: String? = nil) async throws -> String {
        var form = try CaseForms.clean()
        if let title { form["policy"] = (form["policy"] as! [String: Any]).merging(["title": title]) { $1 } }
        try await CaseForms.uploadMaterials(of: form, to: county, token: drafter)
        let submitted = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
        guard let id = (submitted.json["case"] as? [String: Any])?["id"] as? String else { throw NodeProcessError("submit: \(submitted.text)") }
        for (path, body) in [("accept", nil), ("complete-preliminary", ["conclusion": "初审通过,报市级审定"])] as [(String, [String: String]?)] {
            let result = try await county.call("POST", "/api/v1/cases/\(id)/\(path)", token: countyReviewer, json: body)
            guard result.status == 200 else { throw NodeProcessError("\(path): \(result.text)") }
        }
        return id
    }

    /// `count` cases ready to forward (materials uploaded once).
    func readyCases(_ count: Int) async throws -> [String] {
        let form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: county, token: drafter)
        var ids: [String] = []
        for _ in 0..<count {
            let submitted = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
            guard let id = (submitted.json["case"] as? [String: Any])?["id"] as? String else { throw NodeProcessError("submit: \(submitted.text)") }
            _ = try await county.call("POST", "/api/v1/cases/\(id)/accept", token: countyReviewer)
            _ = try await county.call("POST", "/api/v1/cases/\(id)/complete-preliminary", token: countyReviewer, json: ["conclusion": "初审通过"])
            ids.append(id)
        }
        return ids
    }

    func count(_ node: NodeProcess, token: String, state: String? = nil) async throws -> Int {
        let result = try await node.call("GET", "/api/v1/cases" + (state.map { "?state=\($0)" } ?? ""), token: token)
        return (result.json["cases"] as? [Any])?.count ?? -1
    }

    /// How many times `action` was logged for the case.
    func events(_ node: NodeProcess, _ id: String, token: String, action: String) async throws -> Int {
        let detail = try await node.call("GET", "/api/v1/cases/\(id)", token: token)
        return (detail.json["events"] as? [[String: Any]])?.filter { $0["action"] as? String == action }.count ?? -1
    }

    func queueDepth(_ node: NodeProcess, token: String) async throws -> Int {
        let status = try await node.call("GET", "/api/v1/federation/status", token: token)
        return (status.json["links"] as? [[String: Any]])?.reduce(0) { $0 + ($1["queueDepth"] as? Int ?? 0) } ?? -1
    }

    func state(_ node: NodeProcess, _ id: String, token: String) async throws -> String? {
        let detail = try await node.call("GET", "/api/v1/cases/\(id)", token: token)
        return (detail.json["case"] as? [String: Any])?["state"] as? String
    }
}

@Suite(.serialized) struct FederationTests {
    @Test func aCountyCaseTravelsToTheCityAndTheOpinionComesBack() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let id = try await federation.readyCase()

        let forwarded = try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer)
        #expect((forwarded.json["case"] as? [String: Any])?["state"] as? String == "forwarded", "\(forwarded.text)")
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        let atCity = try await city.call("GET", "/api/v1/cases/\(id)", token: federation.cityReviewer)
        #expect((atCity.json["materials"] as? [Any])?.count == 5)
        #expect((atCity.json["case"] as? [String: Any])?["dueOn"] as? String != nil)
        // The county learns the city's case number.
        #expect(try await eventually {
            let detail = try await county.call("GET", "/api/v1/cases/\(id)", token: federation.countyReviewer)
            return (detail.json["events"] as? [[String: Any]])?.contains { $0["action"] as? String == "cityReceived" } == true
        })

        // City supplement request → the county drafter answers → back at the city.
        let finding: [String: Any] = ["code": "wording-nonstandard", "itemIndex": 0, "element": "penalty", "path": "serviceItems[0].penalty",
                                      "message": "【处罚】请写明作出处罚的部门"]
        let notice = try await city.call("POST", "/api/v1/cases/\(id)/supplement-notice", token: federation.cityReviewer, json: ["findings": [finding]])
        #expect(notice.status == 200, "\(notice.text)")
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "citySupplementRequested" })
        let form = CaseForms.setting(try CaseForms.clean(), item: 0, "penalty", "由德惠市科学技术局依照《财政违法行为处罚处分条例》处理")
        let resubmitted = try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: federation.drafter, json: form)
        #expect((resubmitted.json["case"] as? [String: Any])?["state"] as? String == "forwarded", "\(resubmitted.text)")
        #expect(try await eventually { try await federation.state(city, id, token: federation.cityReviewer) == "finalReview" })
        let diff = try await city.call("GET", "/api/v1/cases/\(id)/diff", token: federation.cityReviewer)
        #expect((diff.json["changes"] as? [[String: Any]])?.map { $0["path"] as? String } == ["serviceItems[0].penalty"])

        // The opinion, signed by the city, reaches the county and its drafter.
        let opinion = try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: federation.cityReviewer, json: [
            "outcome": "notPassed", "requiredChanges": [["itemIndex": 1, "element": "consultation", "change": "补充咨询时间"]],
        ])
        #expect(opinion.status == 201, "\(opinion.text)")
        #expect(try await eventually { try await federation.state(county, id, token: federation.drafter) == "opinionNotPassed" })
        let received = try await county.call("GET", "/api/v1/cases/\(id)/opinion", token: federation.drafter)
        #expect((received.json["number"] as? [String: Any])?["prefix"] as? String == "长政数标审")
        let page = try await county.call("GET", "/api/v1/cases/\(id)/opinion.html", token: federation.drafter)
        #expect(page.text.contains("审查不通过") && page.text.contains("补充咨询时间"))
        // Issued by the city, though printed at the county.
        #expect(page.text.contains("<div>长春市政务服务和数字化建设管理局</div>") && !page.text.contains("<div>德惠市政务服务和数字化建设管理局</div>"))
        let countyView = try await county.call("GET", "/api/v1/cases/\(id)", token: federation.drafter)
        let summary = try #require(countyView.json["case"] as? [String: Any])
        #expect(summary["revisionDueOn"] as? String == (try NodeProcess.reviewctl(["calendar", "add", "2026-03-02", "5"]).trimmingCharacters(in: .whitespacesAndNewlines)))

        // The opinion stays verifiable with the city's public key from its link card.
        let card = try JSONSerialization.jsonObject(with: city.linkCard()) as! [String: Any]
        let signature = try #require(countyView.json["opinionSignature"] as? [String: Any])
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: card["publicKey"] as! String)!)
        let signed = try #require(Data(base64Encoded: signature["opinion"] as! String))
        #expect(publicKey.isValidSignature(Data(base64Encoded: signature["signature"] as! String)!, for: signed))
        #expect(signature["signerPublicKey"] as? String == card["publicKey"] as? String)
        // The same offline, with reviewctl, from the saved case detail; a changed byte fails it.
        let saved = FileManager.default.temporaryDirectory.appendingPathComponent("case-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: saved) }
        try countyView.data.write(to: saved)
        let reviewctl = NodeProcess.binaries.appendingPathComponent("reviewctl")
        let verified = try CommandRunner.run(reviewctl, ["opinion", "verify", saved.path, "--public-key", card["publicKey"] as! String])
        #expect(verified.status == 0 && verified.stdout.contains("valid: opinion 长政数标审〔2026〕1号"), "\(verified.stdout)\(verified.stderr)")
        var tampered = countyView.json
        var tamperedSignature = signature
        var bytes = signed
        bytes[bytes.count / 2] ^= 1
        tamperedSignature["opinion"] = bytes.base64EncodedString()
        tampered["opinionSignature"] = tamperedSignature
        try JSONSerialization.data(withJSONObject: tampered).write(to: saved)
        let refused = try CommandRunner.run(reviewctl, ["opinion", "verify", saved.path, "--data-dir", county.dataDirectory.path])
        #expect(refused.status == 1 && refused.stdout.contains("INVALID"))
        // Without a trusted key the key inside the file proves nothing: refused as bad input.
        let untrusted = try CommandRunner.run(reviewctl, ["opinion", "verify", saved.path])
        #expect(untrusted.status == 2 && untrusted.stderr.contains("no trusted key"))

        // Art 9: the revision is recorded; but a policy whose opinion did not pass may not go online.
        _ = try await county.call("POST", "/api/v1/cases/\(id)/revise", token: federation.drafter, json: form)
        let refusedLaunch = try await county.call("POST", "/api/v1/cases/\(id)/launch", token: federation.drafter, json: ["launchDate": "2026-04-01"])
        #expect(refusedLaunch.status == 409 && refusedLaunch.errorCode == "opinion-not-passed", "\(refusedLaunch.text)")

        // Art 10 on a passed opinion travels up, with the final content; not before the opinion's date.
        let passedId = try await federation.readyCase(title: "德惠市支持中小微企业创新发展若干措施(二)")
        #expect(try await county.call("POST", "/api/v1/cases/\(passedId)/forward", token: federation.countyReviewer).status == 200)
        #expect(try await eventually { try await federation.state(city, passedId, token: federation.cityReviewer) == "finalReview" })
        #expect(try await city.call("POST", "/api/v1/cases/\(passedId)/opinion", token: federation.cityReviewer, json: ["outcome": "passed"]).status == 201)
        #expect(try await eventually { try await federation.state(county, passedId, token: federation.drafter) == "opinionPassed" })
        let early = try await county.call("POST", "/api/v1/cases/\(passedId)/launch", token: federation.drafter, json: ["launchDate": "2026-03-01"])
        #expect(early.status == 422 && early.errorField == "launchDate", "\(early.text)")
        _ = try await county.call("POST", "/api/v1/cases/\(passedId)/revise", token: federation.drafter, json: form)
        let launched = try await county.call("POST", "/api/v1/cases/\(passedId)/launch", token: federation.drafter, json: ["launchDate": "2026-04-01"])
        #expect((launched.json["case"] as? [String: Any])?["state"] as? String == "launchConfirmed", "\(launched.text)")
        #expect(try await eventually { try await federation.state(city, passedId, token: federation.cityReviewer) == "launchConfirmed" })
        let launchEvent = (launched.json["events"] as? [[String: Any]])?.last { $0["action"] as? String == "confirmLaunch" }
        #expect((launchEvent?["payload"] as? [String: String])?["changedSinceOpinion"]?.contains("serviceItems[0].penalty") == true)

        // Both sides recorded each tier's share of the clock, and every message went through.
        let cityView = try await city.call("GET", "/api/v1/cases/\(id)", token: federation.cityReviewer)
        #expect((cityView.json["case"] as? [String: Any])?["cityWorkdays"] as? Int != nil)
        let status = try await county.call("GET", "/api/v1/federation/status", token: federation.countyReviewer)
        let link = try #require((status.json["links"] as? [[String: Any]])?.first)
        #expect(link["queueDepth"] as? Int == 0)
        #expect(link["delivered"] as? Int == 6)  // two forwards, a resubmission, two Art 9 revisions, a launch
        let check = try NodeProcess.reviewctl(["link", "check", "--node", city.baseURL.absoluteString, "--token", federation.cityOperator, "220183"])
        #expect(check.hasPrefix("220183 ok"))
        for node in [city, county] {
            #expect(try NodeProcess.reviewctl(["audit", "verify", "--data-dir", node.dataDirectory.path]).hasPrefix("event chain intact"))
        }
    }
}

@Suite(.serialized) struct KeyRotationTests {
    @Test func aRekeyedCityKeepsTalkingAndOldOpinionsStayVerifiable() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let ids = try await federation.readyCases(2)
        for id in ids { _ = try await federation.county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer) }
        #expect(try await eventually { try await federation.count(federation.city, token: federation.cityReviewer, state: "finalReview") == 2 })
        _ = try await federation.city.call("POST", "/api/v1/cases/\(ids[0])/opinion", token: federation.cityReviewer, json: ["outcome": "passed"])
        let oldCard = try JSONSerialization.jsonObject(with: federation.city.linkCard()) as! [String: Any]

        let rekeyed = try NodeProcess.reviewctl(["link", "rekey", "--node", federation.city.baseURL.absoluteString, "--token", federation.cityOperator])
        #expect(rekeyed.contains("announced to 220183"))
        let newCard = try JSONSerialization.jsonObject(with: federation.city.linkCard()) as! [String: Any]
        #expect(newCard["publicKey"] as? String != oldCard["publicKey"] as? String)
        let mode = try FileManager.default.attributesOfItem(atPath: federation.city.dataDirectory.appendingPathComponent("node.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Signed with the new key, the next opinion is accepted by the county.
        _ = try await federation.city.call("POST", "/api/v1/cases/\(ids[1])/opinion", token: federation.cityReviewer, json: ["outcome": "passed"])
        #expect(try await eventually { try await federation.count(federation.county, token: federation.countyReviewer, state: "opinionPassed") == 2 })
        let first = try await federation.county.call("GET", "/api/v1/cases/\(ids[0])", token: federation.drafter)
        let second = try await federation.county.call("GET", "/api/v1/cases/\(ids[1])", token: federation.drafter)
        #expect((first.json["opinionSignature"] as? [String: Any])?["signerPublicKey"] as? String == oldCard["publicKey"] as? String)
        #expect((second.json["opinionSignature"] as? [String: Any])?["signerPublicKey"] as? String == newCard["publicKey"] as? String)
        let links = try NodeProcess.reviewctl(["link", "list", "--data-dir", federation.county.dataDirectory.path])
        #expect(links.contains(NodeIdentityFingerprint.of(newCard["publicKey"] as! String)))
    }
}

/// The fingerprint operators compare: the first 16 hex digits of SHA-256 of the public key.
enum NodeIdentityFingerprint {
    static func of(_ publicKey: String) -> String {
        SHA256.hash(data: Data(base64Encoded: publicKey)!).map { String(format: "%02x", $0) }.joined().prefix(16).description
    }
}
