import Foundation
import ReviewTesting
import Testing

/// Backups of a running node, their verification, restores into a stopped node, and the
/// resync with the peers that makes a restored node whole again (issue 17).
@Suite(.serialized) struct BackupRestoreTests {
    static let reviewctl = NodeProcess.binaries.appendingPathComponent("reviewctl")

    @Test func aRunningNodeIsBackedUpVerifiedAndOnlyRestoredIntoItselfWhenStopped() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let file = work.appendingPathComponent("city.zip")
        let made = try CommandRunner.run(Self.reviewctl, ["backup", "--data-dir", city.dataDirectory.path, "--to", file.path])
        #expect(made.status == 0 && made.stdout.contains("backup of node 220100"), "\(made.stdout)\(made.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let verified = try CommandRunner.run(Self.reviewctl, ["backup", "verify", file.path])
        #expect(verified.status == 0 && verified.stdout.contains("backup intact: node 220100 (city)"), "\(verified.stdout)\(verified.stderr)")
        // An existing file is never overwritten.
        let again = try CommandRunner.run(Self.reviewctl, ["backup", "--data-dir", city.dataDirectory.path, "--to", file.path])
        #expect(again.status == 2 && again.stderr.contains("exists"))

        // A damaged archive does not verify (and is not restored).
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 3] ^= 0xFF
        let damaged = work.appendingPathComponent("damaged.zip")
        try bytes.write(to: damaged)
        let refusedDamaged = try CommandRunner.run(Self.reviewctl, ["backup", "verify", damaged.path])
        #expect(refusedDamaged.status != 0, "\(refusedDamaged.stdout)")

        // Not into a running node; never into another node.
        let running = try CommandRunner.run(Self.reviewctl, ["restore", file.path, "--data-dir", city.dataDirectory.path])
        #expect(running.status == 2 && running.stderr.contains("is running"), "\(running.stderr)")
        county.stop()
        let other = try CommandRunner.run(Self.reviewctl, ["restore", file.path, "--data-dir", county.dataDirectory.path])
        #expect(other.status == 2 && other.stderr.contains("holds node 220183"), "\(other.stderr)")
        let named = try CommandRunner.run(Self.reviewctl, ["restore", file.path, "--data-dir", work.appendingPathComponent("empty").path, "--node-id", "220183"])
        #expect(named.status == 2 && named.stderr.contains("backup of node 220100, not 220183"), "\(named.stderr)")

        // /metrics: operators only, Prometheus text.
        let anonymous = try await city.call("GET", "/metrics")
        #expect(anonymous.status == 401)
        let reviewer = try await city.call("GET", "/metrics", token: federation.cityReviewer)
        #expect(reviewer.status == 403)
        let metrics = try await city.call("GET", "/metrics", token: federation.cityOperator)
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        for name in ["review_http_requests_total{", "review_http_request_duration_seconds_bucket{", "review_outbox_queue_depth{peer=\"220183\"}",
                     "review_cases{", "review_cases_overdue{", "review_sign_in_failures_total{via=\"token\"} 1", "review_backup_age_seconds ",
                     "review_calendar_year_loaded{which=\"next\"}"] {
            #expect(metrics.text.contains(name), "\(name) missing from:\n\(metrics.text.prefix(3000))")
        }
    }

    @Test func scheduledBackupsAndASeparateMetricsPort() async throws {
        let node = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02",
                                   configuration: ["backupIntervalHours": 0.0003, "backupKeep": 2, "metricsPort": 0])
        defer { node.cleanUp() }
        let backups = node.dataDirectory.appendingPathComponent("backups")
        // Every ~1 s; the newest 2 kept.
        #expect(try await eventually(30) {
            ((try? FileManager.default.contentsOfDirectory(atPath: backups.path)) ?? []).filter { $0.hasSuffix(".zip") }.count == 2
                && (try? String(contentsOf: node.dataDirectory.appendingPathComponent("metrics.port"), encoding: .utf8)) != nil
        })
        try await Task.sleep(for: .seconds(3))
        // Old ones go right after a new one is in place: between the two there are 3.
        var names: [String] = []
        #expect(try await eventually(10) {
            names = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".zip") }.sorted()
            return names.count == 2
        })
        let newest = backups.appendingPathComponent(try #require(names.last))
        let verified = try CommandRunner.run(Self.reviewctl, ["backup", "verify", newest.path])
        #expect(verified.status == 0, "\(verified.stderr)")
        let directoryMode = try FileManager.default.attributesOfItem(atPath: backups.path)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)

        // The metrics port answers without a token; the main port has no /metrics.
        let port = try String(contentsOf: node.dataDirectory.appendingPathComponent("metrics.port"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let metrics = try await NodeClient(url: URL(string: "http://127.0.0.1:\(port)")!).call("GET", "/metrics")
        #expect(metrics.status == 200)
        let age = metrics.text.split(separator: "\n").first { $0.hasPrefix("review_backup_age_seconds ") }.flatMap { Double($0.split(separator: " ")[1]) }
        #expect(age.map { $0 < 10 } == true, "\(metrics.text.prefix(2000))")
        #expect(try await node.call("GET", "/metrics").status == 404)
    }

    /// The issue's test: the city backs up, 50 cases flow both ways, the city's database is
    /// destroyed and restored from the backup; after the resync both tiers hold exactly what
    /// they held before, and the federation goes on.
    @Test func aCityRestoredFromAnOlderBackupResyncsWithNothingLostOrDoubled() async throws {
        try await restoreScenario(losing: "city", cases: 50)
    }

    /// The same for a county: the cases it submitted and forwarded after its backup are
    /// rebuilt from its own messages, which the city sends back.
    @Test func aCountyRestoredFromAnOlderBackupResyncsWithNothingLostOrDoubled() async throws {
        try await restoreScenario(losing: "county", cases: 20)
    }

    func restoreScenario(losing lost: String, cases n: Int) async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let (cityReviewer, countyReviewer, drafter) = (federation.cityReviewer, federation.countyReviewer, federation.drafter)
        let (victim, peer) = lost == "city" ? (city, county) : (county, city)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let finding: [String: Any] = ["code": "wording-nonstandard", "itemIndex": 0, "element": "penalty", "path": "serviceItems[0].penalty",
                                      "message": "【处罚】请写明作出处罚的部门"]
        let answer = CaseForms.setting(try CaseForms.clean(), item: 0, "penalty", "由德惠市科学技术局依照《财政违法行为处罚处分条例》处理")

        func forward(_ ids: [String]) async throws {
            for id in ids {
                let result = try await county.call("POST", "/api/v1/cases/\(id)/forward", token: countyReviewer)
                guard result.status == 200 else { throw NodeProcessError("forward: \(result.text)") }
            }
        }
        func act(_ node: NodeProcess, _ path: String, token: String, json: Any? = nil, expect status: Int = 200) async throws {
            let result = try await node.call("POST", path, token: token, json: json)
            guard result.status == status else { throw NodeProcessError("\(path): \(result.status) \(result.text)") }
        }
        func settled() async throws -> Bool {
            let atCity = try await federation.queueDepth(city, token: cityReviewer)
            let atCounty = try await federation.queueDepth(county, token: countyReviewer)
            return atCity == 0 && atCounty == 0
        }

        // Before the backup: 5 cases forwarded, one sent back for supplement.
        let early = try await federation.readyCases(5)
        try await forward(early)
        #expect(try await eventually(60) { try await federation.count(city, token: cityReviewer, state: "finalReview") == 5 })
        try await act(city, "/api/v1/cases/\(early[0])/supplement-notice", token: cityReviewer, json: ["findings": [finding]])
        #expect(try await eventually(60) { try await settled() })

        let file = work.appendingPathComponent("\(lost).zip")
        let backupStarted = Date()
        try NodeProcess.reviewctl(["backup", "--data-dir", victim.dataDirectory.path, "--to", file.path])
        let backupSeconds = Date().timeIntervalSince(backupStarted)
        let backupBytes = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0

        // After it: n more cases both ways — forwards, supplement requests and answers,
        // opinions, launches — and the early cases move on too.
        let ids = try await federation.readyCases(n)
        // And one with a county supplement round before forwarding (the rounds travel with it).
        let submitted = try await county.call("POST", "/api/v1/cases", token: drafter, json: try CaseForms.clean())
        let extra = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String, "\(submitted.text)")
        try await act(county, "/api/v1/cases/\(extra)/accept", token: countyReviewer)
        try await act(county, "/api/v1/cases/\(extra)/supplement-notice", token: countyReviewer, json: ["findings": [finding]])
        try await act(county, "/api/v1/cases/\(extra)/resubmit", token: drafter, json: answer)
        try await act(county, "/api/v1/cases/\(extra)/complete-preliminary", token: countyReviewer, json: ["conclusion": "初审通过"])
        try await forward(ids + [extra])
        #expect(try await eventually(120) { try await federation.count(city, token: cityReviewer, state: "finalReview") == n + 5 })
        let supplements = Array(ids[0..<(2 * n / 5)]), answers = Array(ids[0..<(n / 5)]), opinions = Array(ids[(2 * n / 5)..<(4 * n / 5)])
        for id in supplements + [early[1]] {
            try await act(city, "/api/v1/cases/\(id)/supplement-notice", token: cityReviewer, json: ["findings": [finding]])
        }
        #expect(try await eventually(60) {
            try await federation.count(county, token: countyReviewer, state: "citySupplementRequested") == supplements.count + 2
        })
        for id in answers + [early[0]] {
            try await act(county, "/api/v1/cases/\(id)/resubmit", token: drafter, json: answer)
        }
        for (index, id) in (opinions + [early[2], early[3]]).enumerated() {
            let outcome: [String: Any] = index % 2 == 0
                ? ["outcome": "passed"]
                : ["outcome": "notPassed", "requiredChanges": [["itemIndex": 0, "element": "consultation", "change": "补充咨询时间"]]]
            try await act(city, "/api/v1/cases/\(id)/opinion", token: cityReviewer, json: outcome, expect: 201)
        }
        let passed = (opinions + [early[2], early[3]]).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(try await eventually(60) { try await federation.count(county, token: countyReviewer, state: "opinionPassed") == passed.count })
        let launched = Array(passed.prefix(passed.count / 2))
        for id in launched {
            try await act(county, "/api/v1/cases/\(id)/launch", token: drafter, json: ["launchDate": "2026-04-01"])
        }
        // Art 9 across tiers: a revision after a negative opinion, and a disagreement that the
        // city coordinates.
        let notPassed = opinions.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        try await act(county, "/api/v1/cases/\(notPassed[0])/revise", token: drafter, json: answer)
        try await act(county, "/api/v1/cases/\(notPassed[1])/disagreement", token: drafter, json: ["reason": "咨询时间已在办事指南中公布"])
        #expect(try await eventually(60) { try await federation.state(city, notPassed[1], token: cityReviewer) == "disagreementRecorded" })
        try await act(city, "/api/v1/cases/\(notPassed[1])/coordination", token: cityReviewer, json: ["outcome": "经协调,起草单位补充咨询时间"])
        #expect(try await eventually(60) { try await settled() })
        #expect(try await eventually(60) { try await federation.count(city, token: cityReviewer, state: "launchConfirmed") == launched.count })
        let allIds = early + ids + [extra]
        let cityBefore = try await snapshot(city, allIds, token: cityReviewer)
        let countyBefore = try await snapshot(county, allIds, token: countyReviewer)

        // The database is destroyed; the node key survives (it is restored too if not).
        victim.kill()
        for name in ["node.sqlite", "node.sqlite-wal", "node.sqlite-shm"] {
            try? FileManager.default.removeItem(at: victim.dataDirectory.appendingPathComponent(name))
        }
        let restoreStarted = Date()
        let restored = try NodeProcess.reviewctl(["restore", file.path, "--data-dir", victim.dataDirectory.path, "--node-id", victim.nodeId])
        let restoreSeconds = Date().timeIntervalSince(restoreStarted)
        #expect(restored.contains("restored node \(victim.nodeId)"))
        let resyncStarted = Date()
        try victim.start()
        let done = "resync with \(peer.nodeId): complete"
        #expect(try await eventually(120) { try NodeProcess.reviewctl(["status", "--data-dir", victim.dataDirectory.path]).contains(done) })
        #expect(try await eventually(60) { try await settled() })
        let resyncSeconds = Date().timeIntervalSince(resyncStarted)
        let status = try NodeProcess.reviewctl(["status", "--data-dir", victim.dataDirectory.path])
        let result = try #require(status.split(separator: "\n").first { $0.hasPrefix(done) })
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.dropFirst(done.count + 1).utf8)) as? [String: Any])

        let cityAfter = try await snapshot(city, allIds, token: cityReviewer)
        let countyAfter = try await snapshot(county, allIds, token: countyReviewer)
        let differences = allIds.filter { cityBefore[$0] != cityAfter[$0] } + allIds.filter { countyBefore[$0] != countyAfter[$0] }
        for id in differences.prefix(3) {
            Issue.record("case \(id) differs:\ncity before \(cityBefore[id] ?? "-")\ncity after  \(cityAfter[id] ?? "-")\ncounty before \(countyBefore[id] ?? "-")\ncounty after  \(countyAfter[id] ?? "-")")
        }
        #expect(differences.isEmpty)
        #expect((figures["gaps"] as? [Any])?.isEmpty == true, "\(figures)")
        print("restore drill (test, \(lost) lost): backup \(backupBytes) bytes in \(String(format: "%.2f", backupSeconds)) s; restore \(String(format: "%.2f", restoreSeconds)) s; "
              + "resync \(String(format: "%.1f", resyncSeconds)) s, resent \(figures["resent"] ?? "?"), echoed \(figures["echoed"] ?? "?"), "
              + "applied \(figures["applied"] ?? "?"); differences \(differences.count)")

        // And the federation goes on: the next messages continue each case's sequence, and
        // the restored node numbers its new cases and opinions after the ones it re-learned.
        let pending = supplements[answers.count]
        try await act(city, "/api/v1/cases/\(opinions.count > 0 ? ids[4 * n / 5] : ids[0])/opinion", token: cityReviewer, json: ["outcome": "passed"], expect: 201)
        try await act(county, "/api/v1/cases/\(pending)/resubmit", token: drafter, json: answer)
        try await act(city, "/api/v1/cases/\(answers[0])/opinion", token: cityReviewer, json: ["outcome": "passed"], expect: 201)
        #expect(try await eventually(60) { try await federation.state(county, ids[4 * n / 5], token: countyReviewer) == "opinionPassed" })
        #expect(try await eventually(60) { try await federation.state(county, answers[0], token: countyReviewer) == "opinionPassed" })
        #expect(try await eventually(60) { try await federation.state(city, pending, token: cityReviewer) == "finalReview" })
        let fresh = try await federation.readyCases(1)
        #expect(!allIds.contains(fresh[0]))
        try await forward(fresh)
        #expect(try await eventually(60) { try await federation.state(city, fresh[0], token: cityReviewer) == "finalReview" })
        #expect(try await eventually(60) { try await settled() })
        // Opinion numbers go on from the last one issued before the loss: none is issued twice.
        var numbers: [String] = []
        for id in opinions + [ids[4 * n / 5], answers[0], early[2], early[3]] {
            numbers.append(try await city.call("GET", "/api/v1/cases/\(id)/opinion", token: cityReviewer).json["number"].map { "\($0)" } ?? "-")
        }
        #expect(Set(numbers).count == numbers.count && !numbers.contains("-"))
        for node in [city, county] {
            #expect(try NodeProcess.reviewctl(["audit", "verify", "--data-dir", node.dataDirectory.path]).hasPrefix("event chain intact"))
        }
        // The city's metrics saw the traffic: deliveries to the county, an empty queue, cases by state.
        let metrics = try await city.call("GET", "/metrics", token: federation.cityOperator).text
        for line in ["review_delivery_attempts_total{peer=\"220183\",outcome=\"delivered\"}", "review_outbox_queue_depth{peer=\"220183\"} 0.0",
                     "review_delivery_duration_seconds_count{peer=\"220183\"}", "review_cases{tier=\"city\",level=\"county\",state=\"launchConfirmed\"} \(Double(launched.count))",
                     "review_resync_pending 0.0"] {
            #expect(metrics.contains(line), "\(line) missing")
        }
    }

    /// What a tier holds about each case, without its local event log (a restored node
    /// re-learns the events under new sequence numbers): state, clock, form, materials,
    /// notices, opinion and its signature.
    func snapshot(_ node: NodeProcess, _ ids: [String], token: String) async throws -> [String: String] {
        var result: [String: String] = [:]
        for id in ids {
            var detail = try await node.call("GET", "/api/v1/cases/\(id)", token: token).json
            detail["events"] = nil
            detail["deliveryFailures"] = nil
            result[id] = String(decoding: try JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys]), as: UTF8.self)
        }
        return result
    }
}
