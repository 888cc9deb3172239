import CurlClient
import Foundation
import GRDB
import Logging
import ReviewProtocol
import ReviewStore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox: per peer one message at a time, each case's messages strictly in
/// order, peers in parallel, retrying with exponential backoff and full jitter, never dropping
/// a message. A node that comes back after hours catches up by itself.
///
/// Failures are of two kinds. A transient one (the peer unreachable, a 5xx, an unknown or
/// disabled link, a bad signature during a re-key) pauses the whole peer until the backoff
/// passes. A permanent refusal (the peer says the content can never be applied: another
/// county's case, too large, stale …) holds back only that message and its case's later ones;
/// after ``NodeStore/maxRefusals`` it becomes a dead letter for an operator to retry or discard,
/// and the other cases flow on.
struct DeliveryService: Service {
    /// This node's id, sent in ``FederationWire/senderHeader``.
    let localNode: String
    let store: NodeStore
    let client: any PeerTransport
    let signal: OutboxSignal
    let logger: Logger
    /// Longest wait between two attempts of one message.
    let maxBackoff: Duration
    let metrics: NodeMetrics
    /// Peers paused after a transient failure, until when.
    private let pauses = PeerPauses()

    init(localNode: String, store: NodeStore, client: any PeerTransport, signal: OutboxSignal, logger: Logger, maxBackoff: Duration, metrics: NodeMetrics) {
        self.metrics = metrics
        self.localNode = localNode
        self.store = store
        self.client = client
        self.signal = signal
        self.logger = logger
        self.maxBackoff = maxBackoff
    }

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

    /// Sends, for every enabled peer that is not paused, the oldest due message that heads its
    /// case's queue. Returns when the next attempt is due (now, if something was sent), or nil
    /// when nothing waits.
    private func deliverDue() async throws -> Date? {
        let now = Date()
        let paused = pauses.pausedUntil.withLock { $0 }
        let work = try await store.read { db -> (due: [(OutboxRecord, LinkRecord)], next: [Date]) in
            var due: [(OutboxRecord, LinkRecord)] = []
            var next: [Date] = []
            for link in try LinkRecord.filter(Column("enabled") == true).fetchAll(db) {
                if let until = paused[link.nodeId], until > now {
                    if try NodeStore.nextOutboxAttempt(db, peer: link.nodeId) != nil { next.append(until) }
                    continue
                }
                let resyncing = try NodeStore.meta(db, Resync.pendingKey(link.nodeId)) != nil
                if let head = try NodeStore.dueOutboxHead(db, peer: link.nodeId, now: now, caselessOnly: resyncing) {
                    due.append((head, link))
                } else if let attempt = try NodeStore.nextOutboxAttempt(db, peer: link.nodeId) {
                    next.append(attempt)
                }
            }
            return (due, next)
        }
        guard !work.due.isEmpty else { return work.next.min() }
        await withTaskGroup(of: Void.self) { group in
            for (message, link) in work.due {
                group.addTask { await deliver(message, to: link) }
            }
        }
        return Date()
    }

    /// How the peer answered a failed attempt.
    enum Failure {
        /// Unreachable, 5xx, or a refusal that concerns every message (link, key): pause the peer.
        case transient(String)
        /// This message must wait (e.g. out of order), the others need not.
        case message(String)
        /// The peer will never apply this content.
        case permanent(String)
    }

    private func deliver(_ message: OutboxRecord, to link: LinkRecord) async {
        let failure: Failure
        let started = ContinuousClock.now
        do {
            let response = try await client.send(frame: message.body, signature: message.signature ?? Data(), sender: localNode, to: link.baseURL)
            if (200..<300).contains(response.status) {
                try await store.write { db in try NodeStore.markDelivered(db, messageId: message.id) }
                metrics.delivery(peer: link.nodeId, outcome: "delivered", duration: started.duration(to: .now))
                logger.debug("delivered", metadata: ["id": "\(message.id)", "peer": "\(link.nodeId)", "type": "\(message.type.rawValue)"])
                return
            }
            failure = Self.classify(status: response.status, body: response.body)
        } catch {
            failure = .transient(String(describing: error))
        }
        let outcome = switch failure {
        case .transient: "transient"
        case .message: "message"
        case .permanent: "permanent"
        }
        metrics.delivery(peer: link.nodeId, outcome: outcome, duration: started.duration(to: .now))
        let attempts = message.attempts + 1
        let delay = backoff(attempts: attempts)
        let retryAt = Date().addingTimeInterval(delay)
        let (text, permanent) = switch failure {
        case .transient(let text): (text, false)
        case .message(let text): (text, false)
        case .permanent(let text): (text, true)
        }
        if case .transient = failure {
            pauses.pausedUntil.withLock { $0[link.nodeId] = retryAt }
        }
        let dead = (try? await store.write { db in
            try NodeStore.recordDeliveryFailure(db, messageId: message.id, error: text, permanent: permanent, retryAt: retryAt)
        }) ?? false
        if dead {
            metrics.deadLetter(peer: link.nodeId)
            logger.error("dead letter: the peer refused this message; other cases go on, this case waits for an operator", metadata: [
                "id": "\(message.id)", "peer": "\(link.nodeId)", "case": "\(message.caseId ?? "-")", "type": "\(message.type.rawValue)", "error": "\(text)",
            ])
        } else {
            logger.warning("delivery failed; will retry", metadata: [
                "id": "\(message.id)", "peer": "\(link.nodeId)", "attempt": "\(attempts)", "retryInSeconds": "\(String(format: "%.2f", delay))",
                "permanent": "\(permanent)", "error": "\(text)",
            ])
        }
    }

    /// Reads the peer's error body: `permanent: true` marks a content refusal; an out-of-order
    /// answer concerns this message only; anything else pauses the peer.
    static func classify(status: Int, body: Data) -> Failure {
        let text = "HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        struct Answer: Decodable {
            struct Body: Decodable {
                var code: String?
                var permanent: Bool?
            }
            var error: Body
        }
        guard (400..<500).contains(status), status != 429, let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
            return .transient(text)
        }
        if answer.error.permanent == true { return .permanent(text) }
        if answer.error.code == "out-of-order" { return .message(text) }
        return .transient(text)
    }

    /// 0.2 s · 2^(attempts−1), capped, with full jitter over the upper half.
    func backoff(attempts: Int) -> Double {
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        let exponential = min(cap, 0.2 * pow(2, Double(min(attempts, 20) - 1)))
        return Double.random(in: exponential / 2 ... exponential)
    }
}

/// Peers paused after a transient failure, until when (shared by the delivery loop's tasks).
final class PeerPauses: Sendable {
    let pausedUntil = Mutex<[String: Date]>([:])
}
