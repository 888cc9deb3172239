import Foundation

/// Everything the benchmark measured, printed as a table and written as JSON.
struct Report: Codable {
    struct Lint: Codable {
        var microsecondsPerItem: Double
        /// Baseline: strict JSON decoding of the same form, per item.
        var decodeMicrosecondsPerItem: Double
        var findingsPerCase: Double
    }

    struct Ceiling: Codable {
        var payloadBytes: Int
        var requests: Int
        var requestsPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        /// How long it was sampled.
        var seconds: Double?
    }

    struct Forwarding: Codable {
        var cases: Int
        var seconds: Double
        var casesPerSecond: Double
        var burstP50Milliseconds: Double
        var burstP99Milliseconds: Double
        var steadyRate: Double
        var steadyCases: Int
        var steadyP50Milliseconds: Double
        var steadyP99Milliseconds: Double
        var ratioToCeiling: Double
        /// Whether a county's cases all named the same five materials (the city stored them once)
        /// instead of each its own.
        var sharedMaterials: Bool? = nil
    }

    struct ResultsBack: Codable {
        var cases: Int
        var seconds: Double
        var casesPerSecond: Double
    }

    struct CatchUp: Codable {
        var messages: Int
        var seconds: Double
    }

    struct OutboxCost: Codable {
        /// Delivered messages added between the two samples.
        var deliveredRows: Int
        var fillSeconds: Double
        /// Queue, pick and mark one 498 KiB message: on an empty outbox, then with `deliveredRows` more.
        var empty: Ceiling
        var full: Ceiling
        /// Mean milliseconds of each of the three transactions, in each sample.
        var emptySteps: Steps
        var fullSteps: Steps

        struct Steps: Codable {
            var queueMilliseconds = 0.0
            var pickMilliseconds = 0.0
            var markMilliseconds = 0.0
            var count = 0

            mutating func add(queue: Duration, pick: Duration, mark: Duration) {
                func mean(_ old: Double, _ new: Duration) -> Double { old + (new.seconds * 1000 - old) / Double(count) }
                count += 1
                queueMilliseconds = mean(queueMilliseconds, queue)
                pickMilliseconds = mean(pickMilliseconds, pick)
                markMilliseconds = mean(markMilliseconds, mark)
            }

            var text: String { String(format: "queue %.2f, pick %.2f, mark %.2f ms", queueMilliseconds, pickMilliseconds, markMilliseconds) }
        }
    }

    struct Ledger: Codable {
        var cases: Int
        var seedSeconds: Double
        var pageP50Milliseconds: Double
        var pageP99Milliseconds: Double
        /// Baseline: GET /health on the same node, same run.
        var healthP99Milliseconds: Double
        var csvSeconds: Double
        var csvRows: Int
        var csvBytes: Int
        /// Baseline for the console's case page: GET /api/v1/cases/{id}.
        var detailP99Milliseconds: Double
        var casePageP50Milliseconds: Double
        var casePageP99Milliseconds: Double
        var consoleLedgerP99Milliseconds: Double
        /// The reviewer's inbox ("waiting on me"): every case's working days, then one page.
        var inboxP50Milliseconds: Double
        var inboxP99Milliseconds: Double
        /// GET /api/v1/cases?limit=50&after=<random id>.
        var casesPageP50Milliseconds: Double?
        var casesPageP99Milliseconds: Double?
        /// GET /api/v1/ledger?limit=50&after=<random cursor>.
        var ledgerAfterP99Milliseconds: Double?
        /// The node's RSS before the CSV export, and its peak RSS (VmHWM, since its start) after it.
        var rssBeforeExportMegabytes: Double?
        var peakRSSAfterExportMegabytes: Double?
        /// The year archive (`/console/ledger/archive.zip?year=`) of one year's cases: time, bytes,
        /// and the node's peak RSS (VmHWM) after it.
        var archiveYearCases: Int?
        var archiveSeconds: Double?
        var archiveBytes: Int?
        var peakRSSAfterArchiveMegabytes: Double?
    }

    var smoke: Bool
    var cores = ProcessInfo.processInfo.activeProcessorCount
    var date = ISO8601DateFormatter().string(from: Date())
    var lint: Lint?
    var ceiling: Ceiling?
    /// The naive durable delivery baseline (same shape as the ceiling).
    var naive: Ceiling?
    var forwarding: Forwarding?
    var resultsBack: ResultsBack?
    var catchUp: CatchUp?
    var outboxCost: OutboxCost?
    var idleRSSMegabytes: [String: Double] = [:]
    var endRSSMegabytes: [String: Double] = [:]
    var ledger: Ledger?

    init(smoke: Bool) {
        self.smoke = smoke
    }

    private func f(_ value: Double?, _ digits: Int = 1) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(digits)f", value)
    }

    var table: String {
        var rows: [(String, String, String, String)] = [("measure", "value", "baseline (same run)", "ratio / target")]
        if let c = ceiling {
            rows.append(("baseline: transport ceiling (POST → SQLite commit, no signing)",
                         "\(f(c.requestsPerSecond, 0)) req/s, p50 \(f(c.p50Milliseconds, 2)) ms, p99 \(f(c.p99Milliseconds, 2)) ms",
                         "payload \(c.payloadBytes / 1024) KiB, \(c.requests) requests over \(f(c.seconds, 1)) s", ""))
        }
        if let n = naive {
            rows.append(("baseline: naive durable delivery (outbox row, sign, POST, verify, commit, mark)",
                         "\(f(n.requestsPerSecond, 0)) msgs/s, p50 \(f(n.p50Milliseconds, 2)) ms, p99 \(f(n.p99Milliseconds, 2)) ms",
                         "\(n.requests) messages over \(f(n.seconds, 1)) s", "\(f(n.requestsPerSecond / (ceiling?.requestsPerSecond ?? .nan), 2))× ceiling"))
        }
        if let w = forwarding {
            rows.append(("forwarding, \(w.cases) cases (3 counties → city\(w.sharedMaterials == true ? ", shared materials" : ""))", "\(f(w.casesPerSecond)) cases/s",
                         "ceiling \(f(ceiling?.requestsPerSecond, 0)) req/s, naive \(f(naive?.requestsPerSecond, 0)) msgs/s",
                         "\(f(w.ratioToCeiling, 2))× ceiling (target ≥ 1.0), \(f(w.casesPerSecond / (naive?.requestsPerSecond ?? .nan), 2))× naive (target ≥ 2)"))
            rows.append(("forward latency, burst", "p50 \(f(w.burstP50Milliseconds)) ms, p99 \(f(w.burstP99Milliseconds)) ms", "ceiling p99 \(f(ceiling?.p99Milliseconds, 2)) ms", ""))
            rows.append(("forward latency at \(f(w.steadyRate, 0)) cases/s (\(w.steadyCases))", "p50 \(f(w.steadyP50Milliseconds)) ms, p99 \(f(w.steadyP99Milliseconds)) ms",
                         "ceiling p99 \(f(ceiling?.p99Milliseconds, 2)) ms", "target p99 < 20 ms"))
        }
        if let r = resultsBack {
            rows.append(("results back, \(r.cases) opinions", "\(f(r.casesPerSecond)) cases/s", "ceiling \(f(ceiling?.requestsPerSecond, 0)) req/s",
                         "\(f(r.casesPerSecond / (ceiling?.requestsPerSecond ?? .nan) * 100, 0)) %"))
        }
        if let c = catchUp {
            rows.append(("catch-up, \(c.messages) queued messages", "\(f(c.seconds, 2)) s to empty outboxes", "", "target < 10 s"))
        }
        if let o = outboxCost {
            rows.append(("outbox: queue, pick, mark one message, empty outbox", "\(f(1000 / o.empty.requestsPerSecond, 2)) ms/msg, p99 \(f(o.empty.p99Milliseconds, 2)) ms",
                         "\(o.empty.requests) messages over \(f(o.empty.seconds, 1)) s", o.emptySteps.text))
            rows.append(("outbox: the same after \(o.deliveredRows) delivered messages", "\(f(1000 / o.full.requestsPerSecond, 2)) ms/msg, p99 \(f(o.full.p99Milliseconds, 2)) ms",
                         "empty outbox \(f(1000 / o.empty.requestsPerSecond, 2)) ms/msg",
                         "\(f(o.empty.requestsPerSecond / o.full.requestsPerSecond, 2))× (target ≤ 1.10); \(o.fullSteps.text)"))
        }
        for (node, megabytes) in idleRSSMegabytes.sorted(by: { $0.key < $1.key }) {
            rows.append(("RSS \(node)", "idle \(f(megabytes)) MB, end \(f(endRSSMegabytes[node])) MB", "", "target idle < 60 MB"))
        }
        if let l = lint {
            rows.append(("lint per service item", "\(f(l.microsecondsPerItem, 2)) µs", "strict JSON decode \(f(l.decodeMicrosecondsPerItem, 2)) µs",
                         "\(f(l.microsecondsPerItem / l.decodeMicrosecondsPerItem, 2))× (target ≤ 20 µs)"))
        }
        if let l = ledger {
            rows.append(("ledger page (50 rows) at \(l.cases) cases", "p50 \(f(l.pageP50Milliseconds, 2)) ms, p99 \(f(l.pageP99Milliseconds, 2)) ms",
                         "GET /health p99 \(f(l.healthP99Milliseconds, 2)) ms", "\(f(l.pageP99Milliseconds / l.healthP99Milliseconds, 1))× (target p99 < 20 ms)"))
            rows.append(("ledger page after a cursor (keyset)", "p99 \(f(l.ledgerAfterP99Milliseconds, 2)) ms", "GET /health p99 \(f(l.healthP99Milliseconds, 2)) ms",
                         "\(f((l.ledgerAfterP99Milliseconds ?? .nan) / l.healthP99Milliseconds, 1))× (target p99 < 20 ms)"))
            rows.append(("API case list page (50, keyset) at \(l.cases) cases", "p50 \(f(l.casesPageP50Milliseconds, 2)) ms, p99 \(f(l.casesPageP99Milliseconds, 2)) ms",
                         "GET /health p99 \(f(l.healthP99Milliseconds, 2)) ms", "\(f((l.casesPageP99Milliseconds ?? .nan) / l.healthP99Milliseconds, 1))× (target p99 < 20 ms)"))
            rows.append(("full CSV export (streamed)", "\(f(l.csvSeconds, 2)) s, \(l.csvRows) rows, \(l.csvBytes / 1024) KiB", "seeding \(f(l.seedSeconds, 1)) s", ""))
            rows.append(("node RSS around the CSV export", "peak \(f(l.peakRSSAfterExportMegabytes)) MB", "before the export \(f(l.rssBeforeExportMegabytes)) MB",
                         "target peak < 100 MB"))
            rows.append(("year archive ZIP, \(l.archiveYearCases ?? 0) cases", "\(f(l.archiveSeconds, 2)) s, \((l.archiveBytes ?? 0) / 1024) KiB",
                         "peak RSS before it \(f(l.peakRSSAfterExportMegabytes)) MB", "node peak RSS after it \(f(l.peakRSSAfterArchiveMegabytes)) MB"))
            rows.append(("console case page", "p50 \(f(l.casePageP50Milliseconds, 2)) ms, p99 \(f(l.casePageP99Milliseconds, 2)) ms",
                         "API case detail p99 \(f(l.detailP99Milliseconds, 2)) ms", "\(f(l.casePageP99Milliseconds / l.detailP99Milliseconds, 1))×"))
            rows.append(("console ledger page (50 rows)", "p99 \(f(l.consoleLedgerP99Milliseconds, 2)) ms",
                         "API ledger page p99 \(f(l.pageP99Milliseconds, 2)) ms", "\(f(l.consoleLedgerP99Milliseconds / l.pageP99Milliseconds, 1))×"))
            rows.append(("console inbox at \(l.cases) cases", "p50 \(f(l.inboxP50Milliseconds, 0)) ms, p99 \(f(l.inboxP99Milliseconds, 0)) ms",
                         "GET /health p99 \(f(l.healthP99Milliseconds, 2)) ms", "\(f(l.inboxP99Milliseconds / l.healthP99Milliseconds, 0))×"))
        }
        let widths = (0..<4).map { column in rows.map { row in [row.0, row.1, row.2, row.3][column].count }.max() ?? 0 }
        return rows.map { row in
            [row.0, row.1, row.2, row.3].enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: " | ")
        }.joined(separator: "\n")
    }

    /// A run that measured nothing is a failure, not a table of dashes.
    var sanityProblem: String? {
        if (forwarding?.cases ?? 0) == 0 { return "no case was forwarded" }
        if (catchUp?.messages ?? 0) == 0 { return "no message was queued for the catch-up" }
        return nil
    }
}
