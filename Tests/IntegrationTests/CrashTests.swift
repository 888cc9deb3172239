import Foundation
import ReviewTesting
import Testing

/// Killing a node (SIGKILL) in the middle of a burst of submissions leaves every
/// acknowledged submission whole, and no partial case.
@Suite(.serialized) struct CrashTests {
    actor Acknowledged {
        var ids: [String: String] = [:]
        func add(_ id: String, title: String) { ids[id] = title }
        var count: Int { ids.count }
    }

    @Test func sigkillDuringABurstOfSubmissions() async throws {
        let node = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政数局", today: "2026-03-02")
        defer { node.cleanUp() }
        let drafter = try node.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let reviewer = try node.addUser(name: "审查员", role: "countyReviewer")
        let form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: node, token: drafter)

        let acknowledged = Acknowledged()
        let started = Date()
        let client = node.client
        let pid = try #require(node.processIdentifier)
        // Each worker's bodies, prepared up front.
        let bodies: [[(String, Data)]] = try (0..<8).map { worker in
            try (0..<40).map { attempt in
                var copy = form
                let title = "德惠市支持中小微企业创新发展若干措施(压力测试\(worker)-\(attempt))"
                copy["policy"] = (form["policy"] as! [String: Any]).merging(["title": title]) { $1 }
                return (title, try JSONSerialization.data(withJSONObject: copy))
            }
        }
        // 8 submitters, at most 40 submissions each and 20 s in all; the node is killed once
        // 60 submissions have been acknowledged.
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                let mine = bodies[worker]
                group.addTask {
                    for (title, body) in mine where Date().timeIntervalSince(started) < 20 {
                        guard let result = try? await client.call("POST", "/api/v1/cases", token: drafter, body: body,
                                                                  headers: ["Content-Type": "application/json"]) else { return }
                        guard result.status == 201, let id = (result.json["case"] as? [String: Any])?["id"] as? String else { return }
                        await acknowledged.add(id, title: title)
                    }
                }
            }
            group.addTask {
                while await acknowledged.count < 60, Date().timeIntervalSince(started) < 20 {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                kill(pid, SIGKILL)
            }
        }
        node.waitUntilExit()
        let acked = await acknowledged.ids
        #expect(acked.count >= 60)
        #expect(node.terminationStatus == 9 || node.terminationStatus != 0)

        try node.start()
        let list = try await node.call("GET", "/api/v1/cases", token: reviewer)
        let stored = try #require(list.json["cases"] as? [[String: Any]])
        let storedIds = Set(stored.compactMap { $0["id"] as? String })
        // Every acknowledged submission is there …
        #expect(Set(acked.keys).isSubset(of: storedIds))
        // … and every stored case, acknowledged or not, is whole.
        for id in storedIds.sorted() {
            let detail = try await node.call("GET", "/api/v1/cases/\(id)", token: reviewer)
            #expect(detail.status == 200, "\(id)")
            #expect((detail.json["materials"] as? [Any])?.count == 5, "\(id) materials")
            #expect((detail.json["events"] as? [[String: Any]])?.map { $0["action"] as? String } == ["submit"], "\(id) events")
            let title = ((detail.json["form"] as? [String: Any])?["policy"] as? [String: Any])?["title"] as? String
            #expect((detail.json["case"] as? [String: Any])?["title"] as? String == title, "\(id) title")
            if let expected = acked[id] { #expect(title == expected) }
        }
        // Case numbers have no gaps or repeats: each committed submission took the next one.
        let numbers = storedIds.compactMap { Int($0.split(separator: "-").last ?? "") }.sorted()
        #expect(numbers == Array(1...numbers.count))
    }
}
