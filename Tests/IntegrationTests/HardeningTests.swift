import Crypto
import CurlClient
import Foundation
import Glibc
import ReviewProtocol
import ReviewTesting
import Testing

/// The hardening issue, tried as an attacker and as an unlucky operator would, on real node
/// processes: hostile frames and bodies, a message the peer refuses, strict input, blob
/// ownership, token lifecycle, storage faults and stale or replayed messages.
@Suite(.serialized) struct HardeningTests {
    let faults = FederationFaultTests()

    /// A frame whose envelope is `json` and whose first attachment length field says `length`.
    static func frame(json: Data = Data("{}".utf8), attachmentLength: UInt64) -> Data {
        var body = FederationFrame.encode(json: json)
        withUnsafeBytes(of: attachmentLength.bigEndian) { body.append(contentsOf: $0) }
        return body
    }

    func postRaw(_ body: Data, to node: NodeProcess, sender: String? = nil, signature: String = Data(repeating: 1, count: 64).base64EncodedString()) async throws -> HTTPResult {
        var headers = ["Content-Type": FederationWire.contentType, FederationWire.signatureHeader: signature]
        if let sender { headers[FederationWire.senderHeader] = sender }
        return try await node.call("POST", FederationWire.path, body: body, headers: headers)
    }

    // MARK: §1 hostile frames

    @Test func hostileFramesAnswer4xxAndTheNodeLives() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let city = federation.city
        // The reported attack: RVW1, a 2-byte JSON length, {}, an attachment length of 2^63 − 1.
        let attack = Self.frame(attachmentLength: UInt64(Int64.max))
        for sender in [nil, "220183"] as [String?] {
            let answer = try await postRaw(attack, to: city, sender: sender)
            #expect((400..<500).contains(answer.status), "\(answer.status) \(answer.text)")
        }
        // Truncated, oversized-length and garbage frames, signed header or not, sender or not.
        var rng = SeededGenerator(state: 0xF00D)
        var statuses: [Int: Int] = [:]
        for index in 0..<300 {
            let body = FrameMutator.mutatedFrame(using: &rng)
            let answer = try await postRaw(body, to: city, sender: index % 3 == 0 ? nil : "220183")
            statuses[answer.status, default: 0] += 1
            #expect((400..<500).contains(answer.status), "frame \(index): \(answer.status) \(answer.text)")
        }
        let signatureless = try await city.call("POST", FederationWire.path, body: attack, headers: ["Content-Type": FederationWire.contentType])
        #expect(signatureless.status == 401)
        // Deeply nested envelope JSON.
        let deep = Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        #expect(try await postRaw(FederationFrame.encode(json: deep), to: city, sender: "220183").status == 400)
        // A multipart sign-in post (no session needed) whose part header name is not ASCII: it
        // trapped MultipartKit and ended the node.
        let multipart = Data("--b\r\nContent-Dispositi\u{00E9}n: form-data; name=\"token\"\r\n\r\nx\r\n--b--\r\n".utf8)
        let login = try await city.call("POST", "/console/login", body: multipart, headers: ["Content-Type": "multipart/form-data; boundary=b"])
        #expect((400..<500).contains(login.status), "\(login.status)")
        #expect(city.isRunning)
        #expect(try await city.call("GET", "/health").status == 200)
        // Still a working node: a real message from the county goes through.
        let key = try faults.key(of: federation.county)
        let ping = try faults.message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: PingPayload(nonce: "n"), key: key)
        #expect(try await faults.post(ping, to: city).status == 200)
        // A county's signed forwarding of a policy whose form names another county: refused.
        var payload = try faults.forwardedPayload(caseId: "220183-2026-0042", division: "220183")
        payload.form.policy.divisionCode = "220182"
        let foreign = try faults.message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220183-2026-0042", payload: payload, key: key)
        #expect(try await faults.post(foreign, to: city).errorCode == "not-your-case")
        // Case ids of any other shape: refused.
        for id in ["220183-2026-" + String(repeating: "9", count: 50), "220183-1999-0001", "220183-2026-"] {
            let odd = try faults.message(from: "220183", to: "220100", type: .caseForwarded, caseId: id,
                                         payload: faults.forwardedPayload(caseId: id, division: "220183"), key: key)
            #expect(try await faults.post(odd, to: city).errorCode == "not-your-case", "\(id)")
        }
        // A re-key announcing a grace period beyond a year: refused, the link stays readable.
        let farFuture = try faults.message(from: "220183", to: "220100", type: .keyRotated, caseId: nil,
                                           payload: KeyRotatedPayload(newPublicKey: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString(),
                                                                      oldKeyValidUntil: "10012-06-22T11:30:34Z"), key: key)
        #expect(try await faults.post(farFuture, to: city).status == 422)
        let cityOperator = try city.addUser(name: "运维", role: "operator")
        #expect(try await city.call("GET", "/api/v1/federation/status", token: cityOperator).status == 200)
        #expect(try await city.call("POST", "/api/v1/federation/rekey", token: cityOperator, json: ["graceHours": 70_000_000]).errorField == "graceHours")
    }

    // MARK: §2 unauthenticated bodies

    @Test func anUnauthenticatedBodyCostsLittleMemory() async throws {
        let city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2026-03-02",
                                   configuration: ["maxMessageBytes": 256 * 1024 * 1024])
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer {
            city.cleanUp()
            county.cleanUp()
        }
        try NodeProcess.link(city, county)
        let client = CurlHTTPClient()
        let url = city.baseURL.absoluteString + FederationWire.path
        // Warm up (the first requests allocate the server's pools), then measure the peak.
        for _ in 0..<3 { _ = try await city.call("GET", "/health") }
        let before = try #require(city.peakResidentBytes)
        // 200 MB of junk behind a well-formed frame and envelope from a linked sender, badly
        // signed: the node reads the frame header and the envelope, verifies, then refuses.
        let envelope = FederationEnvelope(id: "junk", sender: "220183", receiver: "220100", type: .ping, caseId: nil, sequence: 0,
                                          sentAt: Date().formatted(.iso8601), chainHead: "0", payload: PingPayload(nonce: "n"))
        var junk = Self.frame(json: try JSONEncoder().encode(envelope), attachmentLength: 200_000_000)
        junk.append(Data(count: 200_000_000))
        let headers = [("Content-Type", FederationWire.contentType), (FederationWire.signatureHeader, Data(repeating: 1, count: 64).base64EncodedString()),
                       (FederationWire.senderHeader, "220183")]
        let answer = try? await client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: junk))
        if let answer { #expect(answer.status == 401, "\(answer.status) \(String(decoding: answer.body, as: UTF8.self))") }
        // More than the node's limit: refused from the Content-Length alone.
        let oversized = try? await client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: Data(count: 260 * 1024 * 1024)))
        if let oversized { #expect(oversized.status == 413) }
        let after = try #require(city.peakResidentBytes)
        let growth = after - before
        print("unauthenticated 200 MB and 260 MB POSTs: peak RSS \(before / 1_048_576) → \(after / 1_048_576) MiB")
        #expect(growth < 48 * 1_048_576, "peak RSS grew by \(growth / 1_048_576) MiB")
        #expect(try await city.call("GET", "/health").status == 200)
    }

    // MARK: §3 a message the peer refuses

    @Test func aRefusedMessageBecomesADeadLetterAndStopsBlockingOtherCases() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let countyOperator = try county.addUser(name: "县运维", role: "operator")
        // The city lowers its limit after the county imported its card: the county cannot know.
        city.stop()
        try city.updateConfiguration(["maxMessageBytes": FederationWire.maxEnvelopeBytes])
        try city.start()

        // Case A carries a 9 MB material: the city will refuse it (413) whatever the county does.
        var big = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: big, to: county, token: federation.drafter)
        let content = Data((0..<(9 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let upload = try await county.call("POST", "/api/v1/materials", token: federation.drafter, body: content)
        #expect(upload.status == 201)
        var materials = big["materials"] as! [[String: Any]]
        materials.append(["kind": "other", "title": "附件:测算表", "fileName": "calc.bin", "sha256": upload.json["sha256"] as! String, "bytes": content.count])
        big["materials"] = materials
        let submitted = try await county.call("POST", "/api/v1/cases", token: federation.drafter, json: big)
        let caseA = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String, "\(submitted.text)")
        _ = try await county.call("POST", "/api/v1/cases/\(caseA)/accept", token: federation.countyReviewer)
        _ = try await county.call("POST", "/api/v1/cases/\(caseA)/complete-preliminary", token: federation.countyReviewer, json: ["conclusion": "初审通过"])
        let others = try await federation.readyCases(3)
        #expect(try await county.call("POST", "/api/v1/cases/\(caseA)/forward", token: federation.countyReviewer).status == 200)
        let started = Date()
        for id in others {
            #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        }
        // The other cases reach the city although A, queued before them, is refused.
        #expect(try await eventually(30) {
            try await federation.count(city, token: federation.cityReviewer) == others.count
        })
        print("cases queued behind a refused message reached the city after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        // A becomes a dead letter, visible to operators and to the case's reviewer.
        var deadLetterId: String?
        #expect(try await eventually(30) {
            let status = try await county.call("GET", "/api/v1/federation/status", token: countyOperator)
            let letters = (status.json["links"] as? [[String: Any]])?.flatMap { $0["deadLetters"] as? [[String: Any]] ?? [] } ?? []
            deadLetterId = letters.first { $0["caseId"] as? String == caseA }?["id"] as? String
            return deadLetterId != nil
        })
        let id = try #require(deadLetterId)
        let detail = try await county.call("GET", "/api/v1/cases/\(caseA)", token: federation.countyReviewer)
        let failures = try #require(detail.json["deliveryFailures"] as? [[String: Any]])
        #expect(failures.first?["code"] as? String == "message-too-large")
        #expect((failures.first?["reason"] as? String)?.contains("接收上限") == true)
        let listed = try NodeProcess.reviewctl(["outbox", "list", "--data-dir", county.dataDirectory.path])
        #expect(listed.contains(id) && listed.contains(caseA) && listed.contains("413"))
        let status = try NodeProcess.reviewctl(["status", "--data-dir", county.dataDirectory.path])
        #expect(status.contains("dead letter \(id) case=\(caseA)"))
        // The console: the operator's page lists it with its actions, the reviewer's case page says why.
        let operatorPage = try await ConsoleSession.signIn(county.baseURL, token: countyOperator).get("/console/operator")
        #expect(operatorPage.text.contains(caseA) && operatorPage.text.contains("/console/operator/outbox/\(id)/retry"))
        #expect(operatorPage.text.contains("超过对方节点的接收上限"))
        let casePage = try await ConsoleSession.signIn(county.baseURL, token: federation.countyReviewer).get("/console/cases/\(caseA)")
        #expect(casePage.text.contains("未能送达") && casePage.text.contains("报送市级审定"))

        // Retry: queued again, refused again, dead again.
        #expect(try await county.call("POST", "/api/v1/federation/outbox/\(id)/retry", token: countyOperator).status == 200)
        #expect(try await county.call("POST", "/api/v1/federation/outbox/\(id)/retry", token: federation.countyReviewer).status == 403)
        #expect(try await eventually(30) {
            try NodeProcess.reviewctl(["outbox", "list", "--data-dir", county.dataDirectory.path]).contains(id)
        })
        // Discard: audited, the case's failure cleared, the queue empty.
        try NodeProcess.reviewctl(["outbox", "discard", id, "--data-dir", county.dataDirectory.path])
        // The city never had the case: it is back with the county reviewer to forward again.
        #expect(try await federation.state(county, caseA, token: federation.countyReviewer) == "readyToForward")
        #expect(try await federation.events(county, caseA, token: federation.countyReviewer, action: "forwardingWithdrawn") == 1)
        #expect(try NodeProcess.reviewctl(["outbox", "list", "--data-dir", county.dataDirectory.path]).isEmpty)
        let after = try await county.call("GET", "/api/v1/cases/\(caseA)", token: federation.countyReviewer)
        #expect((after.json["deliveryFailures"] as? [Any])?.isEmpty == true)
        #expect(try await federation.events(county, caseA, token: federation.countyReviewer, action: "discardDeadLetter") == 1)
        #expect(try await federation.queueDepth(county, token: countyOperator) == 0)
        try NodeProcess.reviewctl(["audit", "verify", "--data-dir", county.dataDirectory.path])
    }

    @Test func theCountyRefusesUpFrontWhatTheCityWouldRefuse() async throws {
        let city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2026-03-02",
                                   configuration: ["maxMessageBytes": FederationWire.maxEnvelopeBytes])
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer {
            city.cleanUp()
            county.cleanUp()
        }
        try NodeProcess.link(city, county)
        let drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let reviewer = try county.addUser(name: "县审查员", role: "countyReviewer")
        // Another county's division, or an unknown one: refused at submission, naming the field.
        for division in ["220182", "999999"] {
            var form = try CaseForms.clean()
            form["policy"] = (form["policy"] as! [String: Any]).merging(["divisionCode": division]) { $1 }
            try await CaseForms.uploadMaterials(of: form, to: county, token: drafter)
            let answer = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
            #expect(answer.status == 422)
            #expect(answer.errorField == "policy.divisionCode")
        }
        // Larger than the city's limit from its link card: refused at forwarding, nothing queued.
        var form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: county, token: drafter)
        let content = Data((0..<(9 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let upload = try await county.call("POST", "/api/v1/materials", token: drafter, body: content)
        var materials = form["materials"] as! [[String: Any]]
        materials.append(["kind": "other", "title": "附件", "sha256": upload.json["sha256"] as! String, "bytes": content.count])
        form["materials"] = materials
        let submitted = try await county.call("POST", "/api/v1/cases", token: drafter, json: form)
        let id = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String, "\(submitted.text)")
        _ = try await county.call("POST", "/api/v1/cases/\(id)/accept", token: reviewer)
        _ = try await county.call("POST", "/api/v1/cases/\(id)/complete-preliminary", token: reviewer, json: ["conclusion": "初审通过"])
        let forward = try await county.call("POST", "/api/v1/cases/\(id)/forward", token: reviewer)
        #expect(forward.status == 422)
        #expect(forward.errorCode == "message-too-large")
        let message = ((forward.json["error"] as? [String: Any])?["message"] as? String) ?? ""
        #expect(message.contains("上限") && !message.contains("bytes"))
        let detail = try await county.call("GET", "/api/v1/cases/\(id)", token: reviewer)
        #expect((detail.json["case"] as? [String: Any])?["state"] as? String == "readyToForward")
    }

    // MARK: §4 strict input through the API and the CLI

    @Test func strictInputThroughTheAPIAndTheCLI() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.cleanUp() }
        let drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let clean = try String(contentsOf: Fixtures.configDirectory.appendingPathComponent("examples/launch-clean.json"), encoding: .utf8)
        try await CaseForms.uploadMaterials(of: try CaseForms.clean(), to: county, token: drafter)
        func submit(_ text: String) async throws -> HTTPResult {
            try await county.call("POST", "/api/v1/cases", token: drafter, body: Data(text.utf8), headers: ["Content-Type": "application/json"])
        }
        let duplicate = try await submit(clean.replacingOccurrences(of: #""divisionCode": "220183","#, with: #""divisionCode": "220183", "divisionCode": "110105","#))
        #expect(duplicate.status == 400)
        #expect(duplicate.errorCode == "invalid-duplicateKey")
        #expect(duplicate.errorField == "policy.divisionCode")
        let trailing = try await submit(clean.replacingOccurrences(of: #""kind": "launch""#, with: #""kind": "launch","#))
        #expect(trailing.status == 400)
        #expect(((trailing.json["error"] as? [String: Any])?["detail"] as? String)?.contains("line 10") == true)
        for version in ["-1", "0", "2"] {
            let answer = try await submit(clean.replacingOccurrences(of: #""formatVersion": 1"#, with: #""formatVersion": \#(version)"#))
            #expect(answer.status == 422)
            #expect(answer.errorField == "formatVersion")
        }
        let fraction = try await submit(clean.replacingOccurrences(of: #""internalApprovalDays": 13"#, with: #""internalApprovalDays": 13.5"#))
        #expect(fraction.status == 422)
        #expect(fraction.errorField == "serviceItems[0].internalApprovalDays")
        // Art 13: a withdrawal's effective date that is no date is refused, not dropped.
        var withdrawal = try JSONSerialization.jsonObject(with: Fixtures.exampleData("withdrawal-clean.json")) as! [String: Any]
        let commerce = try county.addUser(name: "商务局起草员", role: "drafter", unit: "德惠市商务局")
        try await CaseForms.uploadMaterials(of: withdrawal, to: county, token: commerce)
        for bad in ["2024-02-30", "2026-13-01", "not-a-date"] {
            withdrawal["policy"] = (withdrawal["policy"] as! [String: Any]).merging(["effectiveDate": bad]) { $1 }
            let answer = try await county.call("POST", "/api/v1/cases", token: commerce, json: withdrawal)
            #expect(answer.status == 422, "\(bad): \(answer.text)")
            #expect(answer.errorField == "policy.effectiveDate")
        }
        // Nothing was stored by any refusal.
        #expect((try await county.call("GET", "/api/v1/cases", token: commerce).json["cases"] as? [Any])?.isEmpty == true)
        #expect((try await county.call("GET", "/api/v1/cases", token: drafter).json["cases"] as? [Any])?.isEmpty == true)
        // reviewctl check: the same errors, one line, exit 2.
        let file = county.dataDirectory.appendingPathComponent("dup.json")
        try Data(clean.replacingOccurrences(of: #""divisionCode": "220183","#, with: #""divisionCode": "220183", "divisionCode": "110105","#).utf8).write(to: file)
        let check = try CommandRunner.run(NodeProcess.binaries.appendingPathComponent("reviewctl"), ["check", file.path])
        #expect(check.status == 2)
        #expect(check.stderr.contains("policy.divisionCode") && check.stderr.contains("line 7"))
    }

    // MARK: §5 blob ownership

    @Test func aBlobBelongsToTheUnitThatUploadedIt() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.cleanUp() }
        let science = try county.addUser(name: "科技局起草员", role: "drafter", unit: "德惠市科学技术局")
        let finance = try county.addUser(name: "财政局起草员", role: "drafter", unit: "德惠市财政局")
        let secret = Data("财政局内部测算表(未公开)".utf8)
        let upload = try await county.call("POST", "/api/v1/materials", token: finance, body: secret)
        let digest = try #require(upload.json["sha256"] as? String)
        // The science bureau knows the digest and names it in its own case: as if it did not exist.
        var form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: county, token: science)
        var materials = form["materials"] as! [[String: Any]]
        materials.append(["kind": "other", "title": "附件", "sha256": digest, "bytes": secret.count])
        form["materials"] = materials
        let stolen = try await county.call("POST", "/api/v1/cases", token: science, json: form)
        #expect(stolen.status == 422)
        #expect(stolen.errorField == "materials[5].sha256")
        #expect(!stolen.text.contains("财政局"))
        // Uploading the same bytes itself makes them its own.
        #expect(try await county.call("POST", "/api/v1/materials", token: science, body: secret).status == 201)
        let own = try await county.call("POST", "/api/v1/cases", token: science, json: form)
        #expect(own.status == 201, "\(own.text)")
    }

    // MARK: §6 tokens and sessions

    @Test func aDisabledUserIsOutAtOnceAndTokensExpire() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.cleanUp() }
        let operatorToken = try county.addUser(name: "运维", role: "operator")
        let created = try await county.call("POST", "/api/v1/users", token: operatorToken,
                                            json: ["name": "县审查员", "role": "countyReviewer", "expiresOn": "2099-12-31"])
        #expect(created.status == 201)
        let token = try #require(created.json["token"] as? String)
        let userId = try #require((created.json["user"] as? [String: Any])?["id"] as? Int)
        #expect((created.json["user"] as? [String: Any])?["tokenExpiresAt"] as? String == "2099-12-31T16:00:00Z")
        let session = try await ConsoleSession.signIn(county.baseURL, token: token)
        #expect(try await session.get("/console").status == 200)
        #expect(try await county.call("GET", "/api/v1/me", token: token).status == 200)

        // The operator's console offers both actions.
        let operatorPage = try await ConsoleSession.signIn(county.baseURL, token: operatorToken).get("/console/operator")
        #expect(operatorPage.text.contains("/console/operator/users/\(userId)/disable"))
        // Disabled through the API: the token and the browser session stop at once.
        #expect(try await county.call("POST", "/api/v1/users/\(userId)/disable", token: token).status == 403)
        #expect(try await county.call("POST", "/api/v1/users/\(userId)/disable", token: operatorToken).status == 200)
        #expect(try await county.call("GET", "/api/v1/me", token: token).status == 401)
        #expect(try await session.get("/console").status == 303)
        // Enabled again by reviewctl, then disabled by reviewctl: the same token, at once.
        try NodeProcess.reviewctl(["user", "enable", "--id", String(userId), "--data-dir", county.dataDirectory.path])
        #expect(try await county.call("GET", "/api/v1/me", token: token).status == 200)
        try NodeProcess.reviewctl(["user", "disable", "--id", String(userId), "--data-dir", county.dataDirectory.path])
        #expect(try await county.call("GET", "/api/v1/me", token: token).status == 401)
        #expect(try await county.call("POST", "/api/v1/users/999/disable", token: operatorToken).status == 404)

        // Expiry: a past date is refused; a date given is listed.
        #expect(try await county.call("POST", "/api/v1/users", token: operatorToken,
                                      json: ["name": "x", "role": "operator", "expiresOn": "2020-01-01"]).errorField == "expiresOn")
        let expired = try CommandRunner.run(NodeProcess.binaries.appendingPathComponent("reviewctl"),
                                            ["user", "add", "--data-dir", county.dataDirectory.path, "--name", "y", "--role", "operator", "--expires", "2020-01-01"])
        #expect(expired.status == 2)
        let list = try NodeProcess.reviewctl(["user", "list", "--data-dir", county.dataDirectory.path])
        #expect(list.contains("disabled") && list.contains("expires 2099-12-31T16:00:00Z"))

        // Sign-in throttling per client address: many names, one address.
        let browser = ConsoleSession(baseURL: county.baseURL)
        for index in 0..<20 {
            let answer = try await browser.post("/console/login", ["name": "猜测\(index)", "password": "wrong-password-\(index)"], csrf: false)
            #expect(answer.status == 401)
        }
        #expect(try await browser.post("/console/login", ["name": "另一个名字", "password": "wrong-password"], csrf: false).status == 429)
        // A sign-in post from an opaque origin (a sandboxed frame) is refused.
        let opaque = try await county.call("POST", "/console/login", body: Data("token=\(operatorToken)".utf8),
                                           headers: ["Content-Type": "application/x-www-form-urlencoded", "Origin": "null"])
        #expect(opaque.status == 403)
    }

    // MARK: §7 storage faults

    @Test func aReadOnlyDatabaseStopsTheStartWithOneLine() throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer {
            _ = try? CommandRunner.run(URL(fileURLWithPath: "/bin/chmod"), ["-R", "u+w", county.dataDirectory.path])
            county.cleanUp()
        }
        county.stop()
        // The database and its folder lose their write bits; the node runs as a user for whom
        // they bind (root ignores them: then as nobody, through setpriv).
        let database = county.dataDirectory.appendingPathComponent("node.sqlite")
        for file in ["node.sqlite-wal", "node.sqlite-shm"] { try? FileManager.default.removeItem(at: county.dataDirectory.appendingPathComponent(file)) }
        _ = try CommandRunner.run(URL(fileURLWithPath: "/bin/chmod"), ["a+r,a-w", database.path, county.configFile.path])
        _ = try CommandRunner.run(URL(fileURLWithPath: "/bin/chmod"), ["a+rx,a-w", county.dataDirectory.path])
        let node = NodeProcess.binaries.appendingPathComponent("county-node").path
        let result = getuid() == 0
            ? try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/setpriv"),
                                    ["--reuid=65534", "--regid=65534", "--clear-groups", node, "--config", county.configFile.path],
                                    environment: ["REVIEW_TODAY": "2026-03-02"])
            : try CommandRunner.run(URL(fileURLWithPath: node), ["--config", county.configFile.path], environment: ["REVIEW_TODAY": "2026-03-02"])
        #expect(result.status == 2, "\(result.stdout.suffix(500)) \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("node.sqlite") == true)
    }

    @Test func aPortInUseStopsTheStartWithOneLine() throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.kill() }
        // A second node on the first one's port, with a data folder of its own.
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("port-in-use-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: other) }
        let node = NodeProcess.binaries.appendingPathComponent("county-node").path
        let result = try CommandRunner.run(URL(fileURLWithPath: node), ["--config", county.configFile.path],
                                           environment: ["REVIEW_TODAY": "2026-03-02", "REVIEW_PORT": String(county.port),
                                                         "REVIEW_DATA_DIR": other.path])
        #expect(result.status == 2, "\(result.stdout.suffix(500)) \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("cannot listen on 127.0.0.1:\(county.port): the address is already in use") == true, "\(result.stderr)")
        #expect(!result.stdout.contains("CancellationError"), "\(result.stdout.suffix(800))")
    }

    @Test func aFullDiskAnswers503AndReadsGoOn() async throws {
        // A 3 MiB file system of its own (tmpfs; root can mount one here, as CI runs).
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("full-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mount = try CommandRunner.run(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint.path])
        try #require(mount.status == 0, "cannot mount a small tmpfs here: \(mount.stderr)")
        defer {
            _ = try? CommandRunner.run(URL(fileURLWithPath: "/bin/umount"), ["-l", mountPoint.path])
            try? FileManager.default.removeItem(at: mountPoint)
        }
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02",
                                     dataDirectory: mountPoint.appendingPathComponent("node"))
        defer { county.kill() }
        let drafter = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        var full: HTTPResult?
        for index in 0..<12 {
            let content = Data((0..<(400 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) })
            let answer = try await county.call("POST", "/api/v1/materials", token: drafter, body: content)
            if answer.status != 201 {
                full = answer
                break
            }
        }
        let answer = try #require(full, "the disk never filled")
        #expect(answer.status == 503, "\(answer.text)")
        #expect(answer.errorCode == "storage-full")
        #expect(((answer.json["error"] as? [String: Any])?["message"] as? String)?.contains("存储空间已满") == true)
        // Reads go on.
        #expect(try await county.call("GET", "/api/v1/cases", token: drafter).status == 200)
        #expect(try await county.call("GET", "/health").status == 200)
        #expect(county.isRunning)
    }

    // MARK: §8 freshness

    @Test func staleAndReplayedMessagesAreRefusedAfterPruning() async throws {
        // A window of 5 s (0.0000579 days) so that pruning can be watched.
        let city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2026-03-02",
                                   configuration: ["messageFreshnessDays": 5.0 / 86400])
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer {
            city.cleanUp()
            county.cleanUp()
        }
        try NodeProcess.link(city, county)
        let key = try faults.key(of: county)
        let caseId = "220183-2026-0009"
        let captured = try faults.message(from: "220183", to: "220100", type: .caseForwarded, caseId: caseId,
                                          payload: faults.forwardedPayload(caseId: caseId, division: "220183"), key: key)
        #expect(try await faults.post(captured, to: city).status == 200)
        let replayed = try await faults.post(captured, to: city)
        #expect(replayed.status == 200)
        #expect(replayed.json["duplicate"] as? Bool == true)
        // After the window (and the pruning of its id), the same bytes are refused as stale.
        try await Task.sleep(for: .seconds(12))
        let late = try await faults.post(captured, to: city)
        #expect(late.status == 422)
        #expect(late.errorCode == "stale-message")
        let log = try String(contentsOf: city.dataDirectory.appendingPathComponent("node.log"), encoding: .utf8)
        #expect(log.contains("pruned received message ids"))
        // A message dated in the past beyond the window, freshly signed, is refused too.
        let old = try faults.message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: PingPayload(nonce: "o"), key: key,
                                     sentAt: Date().addingTimeInterval(-60))
        #expect(try await faults.post(old, to: city).errorCode == "stale-message")
        let future = try faults.message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: PingPayload(nonce: "f"), key: key,
                                        sentAt: Date().addingTimeInterval(3600))
        #expect(try await faults.post(future, to: city).errorCode == "stale-message")
    }
}

extension HardeningTests {
    /// Sends `request` on a raw loopback connection, closes the sending side, and returns the
    /// answer's status code (0 when the node answered nothing within 10 s).
    static func rawStatus(port: Int, _ request: Data) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NodeProcessError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw NodeProcessError("connect failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        shutdown(fd, Int32(SHUT_WR))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 12 else { return 0 }
        let words = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
        return words.count > 1 ? Int(words[1]) ?? 0 : 0
    }

    /// Break-it finding: a body shorter than its Content-Length (the client closed early) was a
    /// 500 on the batch route (no token needed) and on authenticated API routes.
    @Test func aBodyShorterThanItsLengthIsABadRequestAndTheNodeLives() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let sender: String = federation.county.nodeId
        let head: String = "POST \(FederationWire.batchPath) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(FederationWire.senderHeader): \(sender)\r\n"
        var batch = Data(head.utf8)
        batch.append(Data("Content-Type: \(FederationWire.batchContentType)\r\nContent-Length: 100\r\n\r\n".utf8))
        batch.append(Data(repeating: 0, count: 10))
        #expect(try Self.rawStatus(port: federation.city.port, batch) == 400)
        for (path, body) in [("/api/v1/materials", "abc"), ("/api/v1/consultations", #"{"a":"#)] {
            let token: String = federation.drafter
            let text: String = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n\(body)"
            let request = Data(text.utf8)
            #expect(try Self.rawStatus(port: federation.county.port, request) == 400, "\(path)")
        }
        #expect(federation.city.isRunning && federation.county.isRunning)
        #expect(try await federation.county.call("GET", "/health").status == 200)
    }
}

extension HardeningTests {
    /// A loopback connection from `source` (any 127.x.y.z) that sends `head` and then nothing:
    /// a sender that never finishes its envelope. Returns the socket (the caller closes it).
    static func stalledConnection(port: Int, from source: String, _ head: Data) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NodeProcessError("socket failed") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = local
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw NodeProcessError("bind or connect from \(source) failed")
        }
        _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    /// What the node did with a stalled connection within `seconds`: "closed" (end of stream
    /// with no answer), the answer's status line, or "open".
    static func outcome(of fd: Int32, within seconds: Int) -> String {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        if count == 0 { return "closed" }
        if count < 0 { return errno == ECONNRESET ? "closed" : "open" }
        return String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? "?"
    }

    /// Break-it finding: four connections that sent their headers and then a byte every few
    /// seconds held every place for unverified reads, and every peer's delivery was answered
    /// 503 for as long as they lasted. Now one address holds at most two places, and a read
    /// that has not sent its signed envelope within `peerReadSeconds` loses its connection.
    @Test func slowUnauthenticatedSendersCannotStallFederationIntake() async throws {
        let federation = try Federation(cityConfiguration: ["peerReadSeconds": 2.0])
        defer { federation.cleanUp() }
        let city = federation.city
        let sender: String = federation.county.nodeId
        // Valid headers from a linked sender, a body announced and never sent.
        let head = Data("POST \(FederationWire.batchPath) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(FederationWire.senderHeader): \(sender)\r\nContent-Type: \(FederationWire.batchContentType)\r\nContent-Length: 100000\r\n\r\nR".utf8)
        // Two from 127.0.0.2 take their address's places; the third is refused at once.
        var stalled = try (0..<2).map { _ in try Self.stalledConnection(port: city.port, from: "127.0.0.2", head) }
        try await Task.sleep(for: .milliseconds(300))
        let third = try Self.stalledConnection(port: city.port, from: "127.0.0.2", head)
        #expect(Self.outcome(of: third, within: 5).contains("503"))
        close(third)
        // The places left serve the real peer (127.0.0.1) while those two wait.
        let key = try faults.key(of: federation.county)
        let ping = try faults.message(from: sender, to: city.nodeId, type: .ping, caseId: nil, payload: PingPayload(nonce: "during"), key: key)
        #expect(try await faults.post(ping, to: city).status == 200)
        // Two more from another address fill every place: now the peer waits, but not for long.
        stalled += try (0..<2).map { _ in try Self.stalledConnection(port: city.port, from: "127.0.0.3", head) }
        try await Task.sleep(for: .milliseconds(300))
        let busy = try faults.message(from: sender, to: city.nodeId, type: .ping, caseId: nil, payload: PingPayload(nonce: "busy"), key: key)
        #expect(try await faults.post(busy, to: city).errorCode == "busy")
        // Past the deadline every stalled connection is closed without an answer...
        let clock = ContinuousClock()
        let started = clock.now
        for fd in stalled {
            #expect(Self.outcome(of: fd, within: 6) == "closed")
            close(fd)
        }
        #expect(clock.now - started < .seconds(5))
        // ...and the peer's message goes through.
        let after = try faults.message(from: sender, to: city.nodeId, type: .ping, caseId: nil, payload: PingPayload(nonce: "after"), key: key)
        #expect(try await faults.post(after, to: city).status == 200)
        let log = try String(contentsOf: city.dataDirectory.appendingPathComponent("node.log"), encoding: .utf8)
        #expect(log.contains("did not send its signed envelope in time"))
        // A connection the client (or the watchdog) cut is not an error of the node's (break-it:
        // each reset wrote an error-level "unhandled error" line, at anyone's will).
        for fd in try (0..<3).map({ _ in try Self.stalledConnection(port: city.port, from: "127.0.0.4", head) }) {
            var linger = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            close(fd)
        }
        try await Task.sleep(for: .milliseconds(500))
        let logAfter = try String(contentsOf: city.dataDirectory.appendingPathComponent("node.log"), encoding: .utf8)
        #expect(!logAfter.contains(#""level":"error""#), "\(logAfter.split(separator: "\n").filter { $0.contains(#""level":"error""#) }.prefix(3))")
        #expect(city.isRunning)
    }
}
