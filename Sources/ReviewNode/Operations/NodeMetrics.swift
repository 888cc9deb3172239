import Foundation
import Metrics
import Prometheus
import ReviewProtocol
import ReviewRules
import ReviewStore
import Synchronization

/// The node's metrics: events are recorded through swift-metrics (counters, timers) into this
/// node's own Prometheus registry (no global bootstrap: several nodes may share a test
/// process); state that lives in the database (queues, cases, backup age) is read at scrape
/// time into gauges. ``render(store:today:calendarYears:)`` returns the Prometheus text format.
final class NodeMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Seconds: most requests take milliseconds; peers' deliveries can take a while.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.factory = factory
    }

    /// Counters and timers made once per label and dimensions: making one goes through the
    /// factory and the registry's lock and name checks, which cost about as much as a small
    /// request's own work when done on every request.
    private let counters = Mutex<[MetricKey: Metrics.Counter]>([:])
    private let timers = Mutex<[MetricKey: Metrics.Timer]>([:])

    private struct MetricKey: Hashable {
        var label: String
        var dimensions: [String]
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Counter {
        let key = MetricKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        if let counter = counters.withLock({ $0[key] }) { return counter }
        let counter = Metrics.Counter(label: label, dimensions: dimensions, factory: factory)
        return counters.withLock { $0[key, default: counter] }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Timer {
        let key = MetricKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        if let timer = timers.withLock({ $0[key] }) { return timer }
        let timer = Metrics.Timer(label: label, dimensions: dimensions, factory: factory)
        return timers.withLock { $0[key, default: timer] }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000)
    }

    // MARK: Events

    /// One HTTP request: `route` is the router's pattern (`/api/v1/cases/{id}`), never the raw path.
    func request(method: String, route: String, status: Int, duration: Duration) {
        counter("review_http_requests_total", [("method", method), ("route", route), ("status", String(status))]).increment()
        timer("review_http_request_duration_seconds", [("method", method), ("route", route)]).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// One delivery attempt to `peer`; `outcome` is delivered, transient, message or permanent.
    func delivery(peer: String, outcome: String, duration: Duration) {
        counter("review_delivery_attempts_total", [("peer", peer), ("outcome", outcome)]).increment()
        if outcome != "delivered" {
            counter("review_delivery_failures_total", [("peer", peer), ("kind", outcome)]).increment()
        }
        timer("review_delivery_duration_seconds", [("peer", peer)]).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A message became a dead letter.
    func deadLetter(peer: String) {
        Counter(label: "review_dead_letters_total", dimensions: [("peer", peer)], factory: factory).increment()
    }

    /// A failed sign-in: `via` is console (name/password or token form) or token (API bearer token).
    func signInFailed(via: String) {
        Counter(label: "review_sign_in_failures_total", dimensions: [("via", via)], factory: factory).increment()
    }

    /// A scheduled backup failed.
    func backupFailed() {
        Counter(label: "review_backup_failures_total", dimensions: [], factory: factory).increment()
    }

    /// Messages resent to a peer after it was restored (sender side), or replayed here.
    func resync(peer: String, direction: String, messages: Int) {
        Counter(label: "review_resync_messages_total", dimensions: [("peer", peer), ("direction", direction)], factory: factory).increment(by: messages)
    }

    // MARK: Scrape

    /// What each scrape-time gauge means (its `# HELP` line).
    static let help: [String: String] = [
        "review_node_info": "This node's id and tier (always 1).",
        "review_outbox_queue_depth": "Messages waiting for delivery to the peer (not dead letters).",
        "review_outbox_dead_letters": "Messages the peer refused for good, waiting for an operator.",
        "review_outbox_oldest_pending_age_seconds": "Age of the oldest message waiting for the peer, seconds (0: none).",
        "review_delivery_last_success_timestamp_seconds": "When a message was last delivered to the peer, Unix time (0: never).",
        "review_link_enabled": "Whether the link to the peer is enabled.",
        "review_cases": "Cases on this node by level and state.",
        "review_cases_overdue": "Overdue cases: review clock past due, materials not supplied, Art 9 revision late.",
        "review_backup_last_success_timestamp_seconds": "When the last backup succeeded, Unix time (0: never).",
        "review_backup_age_seconds": "Seconds since the last successful backup (since 1970 when there is none).",
        "review_resync_pending": "1 while a node restored from a backup is resyncing with its peers.",
        "review_calendar_year_loaded": "Whether the working-day calendar of the current or next year is loaded.",
        "review_calendar_month": "The node's current month (1-12), for the next-year calendar alert.",
    ]

    func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help[name] ?? ""), labels: labels)
    }

    /// Reads the database's state into gauges and returns the whole exposition.
    func render(store: NodeStore, configuration: NodeConfiguration, today: CivilDate, calendarYears: Set<Int>, now: Date = Date()) async throws -> [UInt8] {
        let snapshot = try await store.gauges(today: today.description)
        let tier = configuration.tier.rawValue
        gauge("review_node_info", [("node", configuration.nodeId), ("tier", tier)]).set(to: 1)
        for link in snapshot.queue {
            let labels = [("peer", link.peer)]
            gauge("review_outbox_queue_depth", labels).set(to: Double(link.pending))
            gauge("review_outbox_dead_letters", labels).set(to: Double(link.dead))
            gauge("review_outbox_oldest_pending_age_seconds", labels)
                .set(to: link.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            gauge("review_delivery_last_success_timestamp_seconds", labels)
                .set(to: link.lastDelivered?.timeIntervalSince1970 ?? 0)
            gauge("review_link_enabled", labels).set(to: link.enabled ? 1 : 0)
        }
        for state in CaseState.allCases {
            for level in ["county", "city"] {
                let count = snapshot.cases.first { $0.state == state.rawValue && $0.level == level }?.count ?? 0
                gauge("review_cases", [("tier", tier), ("level", level), ("state", state.rawValue)]).set(to: Double(count))
            }
        }
        for level in ["county", "city"] {
            for kind in ["review", "materials", "revision"] {
                gauge("review_cases_overdue", [("tier", tier), ("level", level), ("kind", kind)])
                    .set(to: Double(snapshot.overdue[level]?[kind] ?? 0))
            }
        }
        let lastBackup = snapshot.lastBackup.flatMap { try? Date($0, strategy: .iso8601) }
        gauge("review_backup_last_success_timestamp_seconds").set(to: lastBackup?.timeIntervalSince1970 ?? 0)
        // Without any backup, the age counts from the epoch: an alert on age fires.
        gauge("review_backup_age_seconds").set(to: now.timeIntervalSince(lastBackup ?? Date(timeIntervalSince1970: 0)))
        gauge("review_resync_pending").set(to: snapshot.restoredPending ? 1 : 0)
        gauge("review_calendar_year_loaded", [("which", "current")]).set(to: calendarYears.contains(today.year) ? 1 : 0)
        gauge("review_calendar_year_loaded", [("which", "next")]).set(to: calendarYears.contains(today.year + 1) ? 1 : 0)
        gauge("review_calendar_month").set(to: Double(today.month))
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
