import Crypto
import Foundation
import ReviewTesting
import Testing

/// Art 14: a real city node publishes launches, adjustments and withdrawals; the reference
/// consumer (`published-mirror`) is killed mid-way and resumes, and ends with the city's
/// published set; a push consumer (a small Python server) is down, refuses, and the city is
/// killed, and still every change is applied once, in order.
@Suite(.serialized) struct PublicationTests {
    let city: NodeProcess
    let drafter: String
    let reviewer: String
    let platform: String
    let operatorToken: String

    init() throws {
        city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2026-03-02")
        drafter = try city.addUser(name: "王科", role: "drafter", unit: "长春市科学技术局")
        reviewer = try city.addUser(name: "赵审", role: "cityReviewer")
        platform = try city.addUser(name: "政策服务网上大厅", role: "platform")
        operatorToken = try city.addUser(name: "运维", role: "operator")
    }

    static var mirrorBinary: URL { NodeProcess.binaries.appendingPathComponent("published-mirror") }

    /// Submits `form`, accepts it, passes it and confirms it for `launchDate`; returns the case id.
    func confirm(_ form: [String: Any], launchDate: String) async throws -> String {
        try await CaseForms.uploadMaterials(of: form, to: city, token: drafter)
        let submitted = try await city.call("POST", "/api/v1/cases", token: drafter, json: form)
        let id = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String, "\(submitted.text)")
        #expect(try await city.call("POST", "/api/v1/cases/\(id)/accept", token: reviewer).status == 200)
        let opinion = try await city.call("POST", "/api/v1/cases/\(id)/opinion", token: reviewer, json: ["outcome": "passed"])
        #expect(opinion.status == 201, "\(opinion.text)")
        let launched = try await city.call("POST", "/api/v1/cases/\(id)/launch", token: drafter, json: ["launchDate": launchDate])
        #expect(launched.status == 200, "\(launched.text)")
        return id
    }

    func launch(_ title: String, on date: String) async throws -> String {
        var form = try CaseForms.cityLevel()
        form["policy"] = (form["policy"] as! [String: Any]).merging(["title": title]) { $1 }
        return try await confirm(form, launchDate: date)
    }

    /// An Art 13 adjustment of `original` effective on `date`.
    func adjust(_ original: String, on date: String) async throws -> String {
        var form = try CaseForms.cityLevel()
        form["policy"] = (form["policy"] as! [String: Any]).merging(["kind": "adjustment", "effectiveDate": date, "originalCaseId": original]) { $1 }
        var materials = Array((form["materials"] as! [[String: Any]]).prefix(2))
        materials[1]["kind"] = "adjustedDocument"
        form["materials"] = materials
        form = CaseForms.setting(form, item: 0, "redemptionContent", "按上一年度研发费用的15%给予补贴")
        return try await confirm(form, launchDate: date)
    }

    /// An Art 13 withdrawal of `original` effective on `date`.
    func withdraw(_ original: String, on date: String) async throws -> String {
        var form = try JSONSerialization.jsonObject(with: Fixtures.exampleData("withdrawal-clean.json")) as! [String: Any]
        form["policy"] = (form["policy"] as! [String: Any]).merging([
            "draftingUnit": "长春市科学技术局", "divisionCode": "220100", "level": "city", "effectiveDate": date, "originalCaseId": original,
        ]) { $1 }
        return try await confirm(form, launchDate: date)
    }

    /// The whole feed, page by page.
    func feed(token: String) async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var after = 0
        while true {
            let page = try await city.call("GET", "/api/v1/published?after=\(after)&limit=2", token: token)
            #expect(page.status == 200, "\(page.text)")
            let changes = page.json["changes"] as? [[String: Any]] ?? []
            all += changes
            after = page.json["next"] as? Int ?? after
            if page.json["hasMore"] as? Bool != true { return all }
        }
    }

    func runMirror(_ arguments: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(Self.mirrorBinary, arguments)
    }

    func mirrorStatus(_ database: URL, on date: String) throws -> [String: Any] {
        let result = try runMirror(["status", "--database", database.path, "--on", date])
        #expect(result.status == 0, "\(result.stderr)")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
    }

    @Test func theMirrorKilledMidwayEndsIdenticalToTheCitysPublishedSet() async throws {
        defer { city.cleanUp() }
        let database = city.dataDirectory.appendingPathComponent("mirror.sqlite")
        let a = try await launch("长春市支持科技创新若干措施", on: "2026-03-10")
        let b = try await launch("长春市支持数字经济发展若干措施", on: "2026-03-02")

        // The mirror follows page by page (one change per page) and is killed mid-way.
        let follower = Process()
        follower.executableURL = Self.mirrorBinary
        follower.arguments = ["sync", "--url", city.baseURL.absoluteString, "--token", platform, "--database", database.path, "--limit", "1", "--follow", "--interval", "0.05"]
        follower.standardOutput = FileHandle.nullDevice
        try follower.run()
        let c = try await launch("长春市支持人工智能产业发展若干措施", on: "2026-03-20")
        #expect(try await eventually(10) { ((try? mirrorStatus(database, on: "2026-03-02"))?["cursor"] as? Int ?? 0) >= 1 })
        let adjusted = try await adjust(a, on: "2026-04-01")
        kill(follower.processIdentifier, SIGKILL)
        follower.waitUntilExit()
        let withdrawn = try await withdraw(b, on: "2026-05-06")
        // Resumes from its cursor.
        let resumed = try runMirror(["sync", "--url", city.baseURL.absoluteString, "--token", platform, "--database", database.path, "--limit", "2"])
        #expect(resumed.status == 0, "\(resumed.stdout) \(resumed.stderr)")
        // Again: nothing new, nothing doubled.
        #expect(try runMirror(["sync", "--url", city.baseURL.absoluteString, "--token", platform, "--database", database.path]).status == 0)

        // The mirror equals the feed: every change, in order, with the same signed bytes.
        let feed = try await feed(token: platform)
        #expect(feed.map { $0["sequence"] as? Int } == [1, 2, 3, 4, 5])
        #expect(feed.map { $0["change"] as? String } == ["launch", "launch", "launch", "adjustment", "withdrawal"])
        let cityDigests = feed.map { entry -> String in
            let signed = entry["signed"] as? [String: Any]
            let bytes = Data(base64Encoded: signed?["document"] as? String ?? "") ?? Data()
            return "\(entry["sequence"] ?? 0) \(entry["itemId"] ?? "") \(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())"
        }
        let early = try mirrorStatus(database, on: "2026-03-15")
        let mirrorDigests = (early["changes"] as? [[String: Any]] ?? []).map { "\($0["sequence"] ?? 0) \($0["itemId"] ?? "") \($0["sha256"] ?? "")" }
        #expect(mirrorDigests == cityDigests)
        #expect(early["cursor"] as? Int == 5)
        // Art 13: before their effective dates the adjustment and the withdrawal change nothing.
        #expect(early["currentSet"] as? [String: Int] == [a: 1, b: 2])
        let later = try mirrorStatus(database, on: "2026-05-06")
        #expect(later["currentSet"] as? [String: Int] == [a: 4, c: 3])
        // An adjustment and a withdrawal continue the item of the case they name.
        #expect(feed.map { $0["itemId"] as? String } == [a, b, c, a, b])
        let withdrawal = try #require(feed.last?["document"] as? [String: Any])
        #expect(withdrawal["caseId"] as? String == withdrawn && withdrawal["status"] as? String == "offline" && withdrawal["version"] as? Int == 2)
        #expect((withdrawal["history"] as? [[String: Any]])?.map { $0["change"] as? String } == ["launch", "withdrawal"])
        #expect(((withdrawal["serviceItems"] as? [Any])?.count ?? 0) > 0, "the withdrawn items are named")
        #expect((feed[3]["document"] as? [String: Any])?["caseId"] as? String == adjusted)

        // The current version on the city (today 2026-03-02): b's withdrawal is upcoming, a not yet launched.
        let itemB = try await city.call("GET", "/api/v1/published/\(b)", token: platform)
        #expect(itemB.status == 200, "\(itemB.text)")
        #expect((itemB.json["inForce"] as? [String: Any])?["sequence"] as? Int == 2)
        #expect((itemB.json["upcoming"] as? [[String: Any]])?.map { $0["sequence"] as? Int } == [5])
        let itemA = try await city.call("GET", "/api/v1/published/\(a)", token: platform)
        #expect(itemA.json["inForce"] == nil || itemA.json["inForce"] is NSNull)
        #expect(try await city.call("GET", "/api/v1/published/220100-2026-0999", token: platform).status == 404)

        // The Art 11 ledger (JSON and CSV) carries each case's publication: the item, its
        // status after the change and the date that version takes effect.
        let ledger = try await city.call("GET", "/api/v1/ledger?limit=10", token: reviewer)
        let entries = Dictionary(uniqueKeysWithValues: (ledger.json["entries"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
        let published = [a, b, c, adjusted, withdrawn].map { id in
            entries[id].map { "\($0["publishedItemId"] ?? "-") \($0["publishedStatus"] ?? "-") \($0["publishedEffectiveOn"] ?? "-")" }
        }
        #expect(published == ["\(a) online 2026-03-10", "\(b) online 2026-03-02", "\(c) online 2026-03-20", "\(a) adjusted 2026-04-01",
                              "\(b) offline 2026-05-06"])
        let csv = try await city.call("GET", "/api/v1/ledger.csv", token: reviewer)
        let lines = csv.text.components(separatedBy: "\r\n")
        #expect(lines.first?.hasSuffix("发布事项编号(第十四条),发布状态,发布版本生效日期") == true)
        #expect(lines.first(where: { $0.hasPrefix(withdrawn + ",") })?.hasSuffix(",\(b),已下线,2026-05-06") == true)
        let console = ConsoleSession(baseURL: city.baseURL)
        #expect(try await console.post("/console/login", ["token": reviewer], csrf: false).status == 303)
        let page = try await console.get("/console/ledger")
        #expect(page.text.contains("已发布:已下线(2026-05-06 生效,尚未到期)") && page.text.contains("已发布:上线(2026-03-02 起)"), "\(page.text.prefix(300))")

        // Every published document is valid against the schema.
        let folder = city.dataDirectory.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var files: [String] = []
        for entry in feed {
            let file = folder.appendingPathComponent("\(entry["sequence"] ?? 0).json")
            try JSONSerialization.data(withJSONObject: entry["document"] ?? [:]).write(to: file)
            files.append(file.path)
        }
        let root = Fixtures.repositoryRoot
        let validation = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", root.appendingPathComponent("Tests/Fixtures/publication/validate.py").path,
                                                                                      root.appendingPathComponent("deploy/schemas/published-item-v1.schema.json").path] + files)
        #expect(validation.status == 0, "\(validation.stdout) \(validation.stderr)")

        // The platform account reads the feed and nothing else; bad cursors are refused.
        #expect(try await city.call("GET", "/api/v1/cases", token: platform).status == 403)
        #expect(try await city.call("GET", "/api/v1/published", token: operatorToken).status == 403)
        #expect(try await city.call("GET", "/api/v1/published?after=-1", token: platform).errorField == "after")
        #expect(try await city.call("GET", "/api/v1/published?limit=0", token: platform).errorField == "limit")
    }

    @Test func pushDeliversEveryChangeOnceInOrderThroughAnOutageARefusalAndACityKill() async throws {
        defer { city.cleanUp() }
        let folder = city.dataDirectory.appendingPathComponent("consumer")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let secret = "consumer-shared-secret-0123456789"
        let consumer = Process()
        consumer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        consumer.arguments = ["python3", Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/publication/push-consumer.py").path, folder.path, secret]
        try consumer.run()
        // SIGKILL: a child of the test process may inherit a blocked SIGTERM.
        defer { kill(consumer.processIdentifier, SIGKILL); consumer.waitUntilExit() }
        let portFile = folder.appendingPathComponent("port")
        #expect(try await eventually(10) { FileManager.default.fileExists(atPath: portFile.path) })
        let port = try String(contentsOf: portFile, encoding: .utf8)
        func applied() -> [Int] {
            let text = (try? String(contentsOf: folder.appendingPathComponent("applied.jsonl"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["sequence"] as? Int
            }
        }
        func queue() async throws -> [String: Any] {
            let list = try await city.call("GET", "/api/v1/publication/consumers", token: operatorToken)
            return (list.json["consumers"] as? [[String: Any]])?.first ?? [:]
        }

        let a = try await launch("长春市支持科技创新若干措施", on: "2026-03-10")
        let registered = try await city.call("POST", "/api/v1/publication/consumers", token: operatorToken, json: [
            "name": "长春市政策服务网上大厅", "url": "http://127.0.0.1:\(port)/push", "secret": secret, "divisions": ["220100"],
        ])
        #expect(registered.status == 201, "\(registered.text)")
        let consumerId = try #require(registered.json["id"] as? Int)
        #expect(try await city.call("POST", "/api/v1/publication/consumers", token: operatorToken, json: [
            "name": "x", "url": "ftp://example", "secret": secret]).errorField == "url")
        #expect(try await city.call("POST", "/api/v1/publication/consumers", token: reviewer, json: [
            "name": "y", "url": "http://127.0.0.1:1/", "secret": secret]).status == 403)
        // Registration queues what was published before.
        #expect(try await eventually(10) { applied() == [1] })
        _ = try await launch("长春市支持数字经济发展若干措施", on: "2026-03-02")
        #expect(try await eventually(10) { applied() == [1, 2] })

        // The consumer is down: the change waits; the city is killed and restarted; the change arrives once.
        try Data().write(to: folder.appendingPathComponent("down"))
        _ = try await adjust(a, on: "2026-04-01")
        #expect(try await eventually(10) {
            let current = try await queue()
            return current["waiting"] as? Int == 1 && current["lastError"] is String
        })
        city.kill()
        try city.start()
        try FileManager.default.removeItem(at: folder.appendingPathComponent("down"))
        #expect(try await eventually(15) { applied() == [1, 2, 3] })
        let requests = try String(contentsOf: folder.appendingPathComponent("requests.log"), encoding: .utf8).split(separator: "\n")
        #expect(requests.filter { $0 == "220100:3" }.count >= 2, "retried with the same idempotency key")

        // A permanent refusal becomes a dead letter after 3 attempts; the next change goes on.
        try Data().write(to: folder.appendingPathComponent("refuse-4"))
        _ = try await launch("长春市支持人工智能产业发展若干措施", on: "2026-03-20")
        _ = try await launch("长春市支持生物医药产业发展若干措施", on: "2026-03-20")
        #expect(try await eventually(15) { applied() == [1, 2, 3, 5] })
        let dead = try await queue()
        #expect(dead["dead"] as? Int == 1 && dead["deadSequences"] as? [Int] == [4], "\(dead)")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("refuse-4"))
        // The operator sees it on the console and queues it again there.
        let console = try await ConsoleSession.signIn(city.baseURL, token: operatorToken)
        #expect(try await console.get("/console/operator").text.contains("id=\"retry-consumer-\(consumerId)\""))
        let retried = try await console.post("/console/operator/consumers/\(consumerId)/retry", [:])
        #expect(retried.status == 200 && retried.text.contains("被拒收的1条事项已重新排队推送"), "\(retried.text.prefix(400))")
        #expect(try await eventually(10) { applied() == [1, 2, 3, 5, 4] })
        // Through the API: nothing left to queue again.
        let again = try await city.call("POST", "/api/v1/publication/consumers/\(consumerId)/retry", token: operatorToken)
        #expect(again.json["requeued"] as? Int == 0, "\(again.text)")
        // The consumer applies before the city records its answer: wait for the acknowledgement.
        #expect(try await eventually(10) {
            let done = try await queue()
            return done["delivered"] as? Int == 5 && done["waiting"] as? Int == 0 && done["dead"] as? Int == 0
        })
    }
}
