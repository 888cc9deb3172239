import CurlClient
import Foundation
import GRDB
import Logging
import ReviewProtocol
import ReviewStore
import ServiceLifecycle

/// Delivers the outbox: per peer strictly in order (the head of each peer's queue only),
/// peers in parallel, retrying with exponential backoff and full jitter, never dropping a
/// message. A node that comes back after hours catches up by itself.
struct DeliveryService: Service {
    let store: NodeStore
    let client: CurlHTTPClient
    let signal: OutboxSignal
    let logger: Logger
    /// Longest wait between two attempts of one message.
    let maxBackoff: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop()
        }
    }

    private func loop() async {
        while !Task.isCancelled {
            let next: Date?
            do {
                next = try await deliverDue()
            } catch {
                logger.error("outbox scan failed", metadata: ["error": "\(error)"])
                next = Date().addingTimeInterval(1)
            }
            // Sleep until the earliest retry is due, a new message is queued, or at most 1 s.
            let wait = next.map { max(0, min(1, $0.timeIntervalSinceNow)) } ?? 1
            if wait > 0 { await signal.wait(upTo: .milliseconds(Int(wait * 1000))) }
        }
    }

    /// Sends the head of every peer's queue that is due. Returns when the next attempt is due
    /// (now, if something was delivered), or nil when the queues are empty.
    private func deliverDue() async throws -> Date? {
        let now = Date()
        let heads = try await store.read { db -> [(OutboxRecord, LinkRecord)] in
            // The head of each enabled peer's queue, through the (peer, deliveredAt, createdAt) index.
            try LinkRecord.filter(Column("enabled") == true).fetchAll(db).compactMap { link in
                try OutboxRecord.fetchOne(db, sql: """
                    SELECT * FROM outbox WHERE peer = ? AND deliveredAt IS NULL ORDER BY createdAt, rowid LIMIT 1
                    """, arguments: [link.nodeId]).map { ($0, link) }
            }
        }
        guard !heads.isEmpty else { return nil }
        let due = heads.filter { $0.0.nextAttemptAt <= now }
        guard !due.isEmpty else { return heads.map(\.0.nextAttemptAt).min() }
        await withTaskGroup(of: Void.self) { group in
            for (message, link) in due {
                group.addTask { await deliver(message, to: link) }
            }
        }
        return Date()
    }

    private func deliver(_ message: OutboxRecord, to link: LinkRecord) async {
        let url = link.baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + FederationWire.path
        let failure: String
        do {
            let headers = [("Content-Type", FederationWire.contentType), (FederationWire.signatureHeader, (message.signature ?? Data()).base64EncodedString())]
            let response = try await client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: message.body))
            if (200..<300).contains(response.status) {
                try await store.write { db in
                    try db.execute(sql: "UPDATE outbox SET deliveredAt = ?, lastError = NULL WHERE id = ?", arguments: [Date(), message.id])
                }
                logger.debug("delivered", metadata: ["id": "\(message.id)", "peer": "\(link.nodeId)", "type": "\(message.type.rawValue)"])
                return
            }
            failure = "HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))"
        } catch {
            failure = String(describing: error)
        }
        let attempts = message.attempts + 1
        let delay = backoff(attempts: attempts)
        logger.warning("delivery failed; will retry", metadata: [
            "id": "\(message.id)", "peer": "\(link.nodeId)", "attempt": "\(attempts)", "retryInSeconds": "\(String(format: "%.2f", delay))", "error": "\(failure)",
        ])
        try? await store.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = ?, nextAttemptAt = ?, lastError = ? WHERE id = ?",
                           arguments: [attempts, Date().addingTimeInterval(delay), failure, message.id])
        }
    }

    /// 0.2 s · 2^(attempts−1), capped, with full jitter over the upper half.
    func backoff(attempts: Int) -> Double {
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        let exponential = min(cap, 0.2 * pow(2, Double(min(attempts, 20) - 1)))
        return Double.random(in: exponential / 2 ... exponential)
    }
}
