import ArgumentParser
import Crypto
import CurlClient
import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting

/// The whole benchmark: ceiling, forwarding (burst and paced), results back, catch-up,
/// footprint, lint and ledger. Every loop is bounded in count and time; every process it
/// starts is stopped, on failure too.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the benchmark and print the table (default).")

    @Option(help: "Cases forwarded in the burst.") var cases = 2000
    @Option(help: "Cases forwarded at a steady rate, for latency.") var paced = 500
    @Option(help: "Steady rate, cases per second.") var rate = 50.0
    @Option(help: "Messages queued while the city is down.") var catchup = 5000
    @Option(help: "Cases in the ledger database.") var ledgerCases = 100_000
    @Option(help: "Requests for each baseline, at least (each is sampled for at least 5 s too).") var ceilingRequests = 400
    @Option(help: "Delivered messages added to the outbox between the two samples of its per-message cost.") var outboxRows = 100_000
    @Option(help: "Where to write the JSON results.") var out = "bench-results.json"
    @Flag(help: "A few seconds' run for CI: tiny counts, same code.") var smoke = false
    @Flag(help: "Only the baselines and the federation (forwarding, results back, catch-up): for profiling those.") var federationOnly = false
    @Flag(help: "Forward cases that share five materials per county (the city stores them once), as rounds before the sixth did; by default each case has its own.")
    var sharedMaterials = false

    mutating func run() async throws {
        if smoke {
            cases = 24; paced = 12; rate = 20; catchup = 60; ledgerCases = 2000; ceilingRequests = 40; outboxRows = 2000
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("review-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var report = Report(smoke: smoke)
        print("review-bench: \(smoke ? "smoke" : "full") run in \(work.path)")

        report.lint = try lintBench()
        progress("  lint done")
        let payload = try forwardedMessageBytes()
        var (ceiling, naive) = try await baselines(payload: payload, work: work)
        ceiling.payloadBytes = payload.count
        naive.payloadBytes = payload.count
        report.ceiling = ceiling
        report.naive = naive
        print("  baselines done: ceiling \(String(format: "%.0f", ceiling.requestsPerSecond)) req/s over \(String(format: "%.1f", ceiling.seconds ?? 0)) s, "
              + "naive durable delivery \(String(format: "%.0f", naive.requestsPerSecond)) msgs/s over \(String(format: "%.1f", naive.seconds ?? 0)) s")
        if !federationOnly {
            report.outboxCost = try await outboxCost(payload: payload, work: work)
            progress("  outbox cost done")
        }
        try await federation(report: &report)
        if !federationOnly {
            report.ledger = try await ledger(work: work)
            progress("  ledger done")
        }

        print("")
        print(report.table)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: out))
        print("\nresults written to \(out)")
        if let problem = report.sanityProblem { throw ValidationError(problem) }
    }

    // MARK: Lint

    func lintBench() throws -> Report.Lint {
        let rules = try Fixtures.rules()
        let materials = Workload.materials(size: 16, seed: "lint").map(\.0)
        let data = try JSONSerialization.data(withJSONObject: Workload.form(unit: "德惠市科学技术局", division: "220183", materials: materials))
        let form = try StrictJSONDecoder.decode(CaseForm.self, from: data)
        let linter = StandardizationLinter(configuration: rules)
        let iterations = smoke ? 200 : 3000
        var findings = 0
        let clock = ContinuousClock()
        let decode = clock.measure { for _ in 0..<iterations { _ = try? StrictJSONDecoder.decode(CaseForm.self, from: data) } }
        let lint = clock.measure { for _ in 0..<iterations { findings += linter.check(form).count } }
        let items = Double(iterations * form.serviceItems.count)
        return Report.Lint(microsecondsPerItem: lint.seconds * 1e6 / items, decodeMicrosecondsPerItem: decode.seconds * 1e6 / items,
                           findingsPerCase: Double(findings) / Double(iterations))
    }

    // MARK: Ceiling

    /// A caseForwarded message body of the realistic case (frame: envelope JSON and the five
    /// materials' raw bytes): the bytes both the ceiling and the forwarding phase move.
    func forwardedMessageBytes() throws -> Data {
        let materials = Workload.materials(size: 100_000, seed: "ceiling")
        let form = try StrictJSONDecoder.decode(CaseForm.self, from: JSONSerialization.data(withJSONObject: Workload.form(unit: "德惠市科学技术局", division: "220183", materials: materials.map(\.0))))
        let date = CivilDate(year: 2026, month: 3, day: 2)!
        let payload = CaseForwardedPayload(caseId: "220183-2026-0001", kind: .launch, title: form.policy.title ?? "", documentNumber: nil,
                                           draftingUnit: "德惠市科学技术局", divisionCode: "220183", submittedOn: date, effectiveDate: nil,
                                           lateApplication: false, revision: 1, form: form,
                                           materials: materials.enumerated().map { TransferredMaterial(reference: $0.element.0, attachment: $0.offset) },
                                           countyFindings: [], preliminaryConclusion: "初审通过", clock: ClockState(acceptedOn: date, limit: 10, stops: []),
                                           forwardedOn: date)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let envelope = FederationEnvelope(id: UUID().uuidString, sender: "220183", receiver: "220100", type: .caseForwarded, caseId: payload.caseId,
                                          sequence: 1, sentAt: "2026-03-02T00:00:00Z", chainHead: EventRecord.genesis, payload: payload)
        return FederationFrame.encode(json: try encoder.encode(envelope), attachments: materials.map(\.1))
    }

    /// The two baselines, each sampled for at least ``baselineSeconds`` (and
    /// `ceilingRequests` requests) against one minimal server process:
    /// - the transport ceiling: the forwarded bytes POSTed one at a time, each committed (FULL), no signing;
    /// - the naive durable delivery: per message, insert it with its body into a sender-side
    ///   outbox (commit, FULL), sign its JSON, POST, verify and commit on the receiver, then
    ///   mark the row delivered (commit, FULL) — one message at a time.
    func baselines(payload: Data, work: URL) async throws -> (Report.Ceiling, Report.Ceiling) {
        let portFile = work.appendingPathComponent("ceiling.port")
        let key = Curve25519.Signing.PrivateKey()
        let process = Process()
        process.executableURL = NodeProcess.binaries.appendingPathComponent("review-bench")
        process.arguments = ["ceiling-server", "--database", work.appendingPathComponent("ceiling.sqlite").path, "--port-file", portFile.path,
                             "--public-key", key.publicKey.rawRepresentation.base64EncodedString()]
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var port = 0
        for _ in 0..<1500 where port == 0 {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            if port == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard port > 0 else { throw ValidationError("the ceiling server did not start") }
        let client = CurlHTTPClient()
        let request = HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/ingest", headers: [("Content-Type", "application/json")], body: payload)
        _ = try await client.send(request)
        let ceiling = try await sample { _ in
            let response = try await client.send(request)
            guard response.status == 200 else { throw ValidationError("ceiling: HTTP \(response.status)") }
        }

        // The naive sender's outbox: the nodes' settings (WAL, FULL), the body in the row.
        let sender = try await BaselineStore(path: work.appendingPathComponent("naive-sender.sqlite").path)
        let json = try FederationFrame.decode(payload).json
        let url = "http://127.0.0.1:\(port)/naive"
        let naive = try await sample { _ in
            let signature = try key.signature(for: json)
            let id = try await sender.enqueue(body: payload, signature: signature)
            let (body, stored) = try await sender.message(id)
            let response = try await client.send(HTTPClientRequest(method: "POST", url: url, headers: [
                ("Content-Type", FederationWire.contentType), ("X-Review-Signature", stored.base64EncodedString()),
            ], body: body))
            guard response.status == 200 else { throw ValidationError("naive delivery: HTTP \(response.status)") }
            try await sender.markDelivered(id)
        }
        return (ceiling, naive)
    }

    /// Seconds each baseline is sampled for, at least.
    var baselineSeconds: Double { smoke ? 0.3 : 5 }

    /// Runs `one` until both ``baselineSeconds`` passed and `ceilingRequests` were made (at most 120 s).
    func sample(_ one: (Int) async throws -> Void) async throws -> Report.Ceiling {
        var latencies = Latencies()
        let clock = ContinuousClock()
        let started = clock.now
        var number = 0
        while ((clock.now - started).seconds < baselineSeconds || number < ceilingRequests) && (clock.now - started).seconds < 120 {
            let one_ = clock.now
            try await one(number)
            latencies.record(microseconds: (clock.now - one_).seconds * 1e6)
            number += 1
        }
        let elapsed = (clock.now - started).seconds
        return Report.Ceiling(payloadBytes: 0, requests: latencies.count, requestsPerSecond: Double(latencies.count) / elapsed,
                              p50Milliseconds: latencies.p50, p99Milliseconds: latencies.p99, seconds: elapsed)
    }
}
