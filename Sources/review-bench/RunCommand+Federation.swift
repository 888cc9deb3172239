import Foundation
import Synchronization
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting

/// One city and three counties, each its own process and database.
struct BenchFederation {
    struct County: Sendable {
        let nodeId: String
        let client: NodeClient
        let drafter: String
        let reviewer: String
        let unit: String
    }

    let city: NodeProcess
    let cityClient: NodeClient
    let cityReviewer: String
    let counties: [County]
    let countyNodes: [NodeProcess]

    init() throws {
        city = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政务服务和数字化建设管理局", today: "2026-03-02", retryMaxSeconds: 0.5)
        cityClient = city.client
        cityReviewer = try city.addUser(name: "市审查员", role: "cityReviewer")
        var counties: [County] = []
        var nodes: [NodeProcess] = []
        for (id, name) in [("220183", "德惠市"), ("220182", "榆树市"), ("220122", "农安县")] {
            let node = try NodeProcess(tier: "county", nodeId: id, name: "\(name)政数局", today: "2026-03-02", retryMaxSeconds: 0.5)
            try NodeProcess.link(city, node)
            let unit = "\(name)科学技术局"
            nodes.append(node)
            counties.append(County(nodeId: id, client: node.client, drafter: try node.addUser(name: "起草员", role: "drafter", unit: unit),
                                   reviewer: try node.addUser(name: "审查员", role: "countyReviewer"), unit: unit))
        }
        self.counties = counties
        countyNodes = nodes
    }

    func stop() {
        city.cleanUp()
        for node in countyNodes { node.cleanUp() }
    }

    /// Uploads five materials of `size` bytes to `county`; returns the form body that names them.
    static func prepareForm(_ county: County, materialSize: Int, seed: String) async throws -> Data {
        let materials = Workload.materials(size: materialSize, seed: "\(seed)-\(county.nodeId)")
        for (reference, content) in materials {
            let result = try await county.client.call("POST", "/api/v1/materials", token: county.drafter, body: content,
                                                      headers: ["X-Content-SHA256": reference.sha256 ?? ""])
            guard result.status == 201 else { throw BenchError("upload: \(result.status) \(result.text)") }
        }
        return try JSONSerialization.data(withJSONObject: Workload.form(unit: county.unit, division: county.nodeId, materials: materials.map(\.0)))
    }

    /// Submits, accepts and completes the preliminary review of `count` cases spread over the
    /// counties; returns (county index, case id) pairs. Each case has its own five materials of
    /// `materialSize` bytes, uploaded first (as real cases do: the city then stores every
    /// case's materials, as the ceiling stores every request's bytes); with `shared`, the cases
    /// of a county all name the same five (uploaded once; the city stores them once).
    func readyCases(_ count: Int, materialSize: Int, seed: String, shared: Bool = false) async throws -> [(Int, String)] {
        try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for (index, county) in counties.enumerated() {
                let share = count / counties.count + (index < count % counties.count ? 1 : 0)
                group.addTask {
                    let sharedForm = shared ? try await Self.prepareForm(county, materialSize: materialSize, seed: seed) : nil
                    var ids: [(Int, String)] = []
                    for number in 0..<share {
                        let form: Data
                        if let sharedForm { form = sharedForm } else { form = try await Self.prepareForm(county, materialSize: materialSize, seed: "\(seed)-\(number)") }
                        let submitted = try await county.client.call("POST", "/api/v1/cases", token: county.drafter, body: form, headers: ["Content-Type": "application/json"])
                        guard let id = (submitted.json["case"] as? [String: Any])?["id"] as? String else { throw BenchError("submit: \(submitted.text.prefix(300))") }
                        _ = try await county.client.call("POST", "/api/v1/cases/\(id)/accept", token: county.reviewer)
                        let done = try await county.client.call("POST", "/api/v1/cases/\(id)/complete-preliminary", token: county.reviewer,
                                                                body: Data(#"{"conclusion":"初审通过"}"#.utf8), headers: ["Content-Type": "application/json"])
                        guard done.status == 200 else { throw BenchError("complete: \(done.text.prefix(300))") }
                        ids.append((index, id))
                    }
                    return ids
                }
            }
            var all: [(Int, String)] = []
            for try await ids in group { all += ids }
            return all
        }
    }

    /// Calls forward on every case, `concurrency` at a time per county.
    func forward(_ cases: [(Int, String)], concurrency: Int = 4) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, county) in counties.enumerated() {
                let mine = cases.filter { $0.0 == index }.map(\.1)
                for lane in 0..<concurrency {
                    let slice = stride(from: lane, to: mine.count, by: concurrency).map { mine[$0] }
                    group.addTask {
                        for id in slice {
                            let result = try await county.client.call("POST", "/api/v1/cases/\(id)/forward", token: county.reviewer)
                            guard result.status == 200 else { throw BenchError("forward \(id): \(result.status) \(result.text.prefix(200))") }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Read-only connections to the nodes' files, opened once: the benchmark polls them every
    /// few milliseconds, and opening a file (and its WAL index) each time cost CPU the nodes
    /// under test share.
    private let inspectors = Inspectors()

    final class Inspectors: Sendable {
        let open = Mutex<[String: NodeInspector]>([:])
    }

    func database(_ node: NodeProcess) throws -> NodeInspector {
        let path = node.dataDirectory.appendingPathComponent("node.sqlite").path
        if let inspector = inspectors.open.withLock({ $0[path] }) { return inspector }
        let inspector = try NodeInspector(path: path)
        inspectors.open.withLock { $0[path] = inspector }
        return inspector
    }

    /// Cases the city holds (each forwarded case is one, stored with its inbox row).
    func cityCaseTotal() throws -> Int {
        try database(city).caseTotal()
    }

    /// Undelivered messages in every county's outbox.
    func countyBacklog() throws -> Int {
        try countyNodes.reduce(0) { total, node in
            total + (try database(node).undeliveredCount())
        }
    }

    /// Forward latency per case: from the county's commit (outbox row written in the forward
    /// transaction) to the city's verified receipt (inbox row written in the receiving transaction).
    func forwardLatencies(ids: Set<String>) throws -> Latencies {
        var sent: [String: (String, Date)] = [:]
        for node in countyNodes {
            for (id, queued) in try database(node).queued(type: .caseForwarded) {
                if let caseId = queued.caseId, ids.contains(caseId) { sent[id] = (caseId, queued.createdAt) }
            }
        }
        var latencies = Latencies()
        for (id, received) in try database(city).received(type: .caseForwarded) {
            if let (_, created) = sent[id] { latencies.record(microseconds: received.timeIntervalSince(created) * 1e6) }
        }
        return latencies
    }

    func rss() -> [String: Double] {
        var out: [String: Double] = [:]
        for node in [city] + countyNodes {
            if let pid = node.processIdentifier, let megabytes = residentMegabytes(pid: pid) { out[node.nodeId] = megabytes }
        }
        return out
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 10 ms for at most `seconds`; returns the elapsed seconds, or nil on time-out.
func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) async throws -> Double? {
    let clock = ContinuousClock()
    let started = clock.now
    while (clock.now - started).seconds < seconds {
        if try condition() { return (clock.now - started).seconds }
        try await Task.sleep(for: .milliseconds(10))
    }
    return nil
}

extension RunCommand {
    func federation(report: inout Report) async throws {
        let federation = try BenchFederation()
        defer { federation.stop() }
        try await Task.sleep(for: .milliseconds(500))
        report.idleRSSMegabytes = federation.rss()

        // Forwarding: the burst, then a steady rate.
        let burst = try await federation.readyCases(cases, materialSize: 100_000, seed: "burst", shared: sharedMaterials)
        let steady = try await federation.readyCases(paced, materialSize: 100_000, seed: "steady", shared: sharedMaterials)
        progress("  \(burst.count + steady.count) cases ready")
        let clock = ContinuousClock()
        let started = clock.now
        try await federation.forward(burst)
        guard let _ = try await waitUntil(smoke ? 60 : 900, { try federation.cityCaseTotal() >= burst.count }) else {
            throw BenchError("forwarding did not finish: \(try federation.cityCaseTotal()) of \(burst.count)")
        }
        let burstSeconds = (clock.now - started).seconds
        let burstLatency = try federation.forwardLatencies(ids: Set(burst.map(\.1)))

        let interval = 1 / rate
        let pacedStart = clock.now
        for (number, item) in steady.enumerated() {
            let due = pacedStart.advanced(by: .milliseconds(Int(Double(number) * interval * 1000)))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            try await federation.forward([item], concurrency: 1)
        }
        _ = try await waitUntil(60) { try federation.cityCaseTotal() >= burst.count + steady.count }
        let pacedLatency = try federation.forwardLatencies(ids: Set(steady.map(\.1)))
        report.forwarding = Report.Forwarding(
            cases: burst.count, seconds: burstSeconds, casesPerSecond: Double(burst.count) / burstSeconds,
            burstP50Milliseconds: burstLatency.p50, burstP99Milliseconds: burstLatency.p99,
            steadyRate: rate, steadyCases: pacedLatency.count, steadyP50Milliseconds: pacedLatency.p50, steadyP99Milliseconds: pacedLatency.p99,
            ratioToCeiling: (Double(burst.count) / burstSeconds) / (report.ceiling?.requestsPerSecond ?? .nan), sharedMaterials: sharedMaterials)
        print("  forwarding done: \(String(format: "%.1f", Double(burst.count) / burstSeconds)) cases/s")

        // Results back: opinions on the burst's cases reach the counties.
        let resultsStart = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                let slice = stride(from: lane, to: burst.count, by: 4).map { burst[$0].1 }
                let client = federation.cityClient
                let token = federation.cityReviewer
                group.addTask {
                    for id in slice {
                        let result = try await client.call("POST", "/api/v1/cases/\(id)/opinion", token: token,
                                                           body: Data(#"{"outcome":"passed"}"#.utf8), headers: ["Content-Type": "application/json"])
                        guard result.status == 201 else { throw BenchError("opinion \(id): \(result.text.prefix(200))") }
                    }
                }
            }
            try await group.waitForAll()
        }
        guard let _ = try await waitUntil(smoke ? 60 : 600, {
            try federation.countyNodes.reduce(0) { total, node in
                total + (try federation.database(node).caseCount(state: .opinionPassed))
            } >= burst.count
        }) else { throw BenchError("results did not all come back") }
        let resultsSeconds = (clock.now - resultsStart).seconds
        report.resultsBack = Report.ResultsBack(cases: burst.count, seconds: resultsSeconds, casesPerSecond: Double(burst.count) / resultsSeconds)
        progress("  results back done")

        // Catch-up: messages queued while the city is down.
        // The catch-up's cases share their 1 KB materials (per county): it measures messages, not bytes.
        federation.city.stop()
        let queued = try await federation.readyCases(catchup, materialSize: 1_000, seed: "catchup", shared: true)
        try await federation.forward(queued)
        let backlog = try federation.countyBacklog()
        let catchupStart = clock.now
        try federation.city.start()
        guard let _ = try await waitUntil(smoke ? 60 : 600, { try federation.countyBacklog() == 0 }) else {
            throw BenchError("catch-up did not finish: \(try federation.countyBacklog()) left")
        }
        report.catchUp = Report.CatchUp(messages: backlog, seconds: (clock.now - catchupStart).seconds)
        progress("  catch-up done")
        report.endRSSMegabytes = federation.rss()
    }
}
